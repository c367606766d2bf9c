package org.wsproxy.relay;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.junit.jupiter.api.Test;
import org.wsproxy.config.RelayPolicyConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The limits on one hop's frames, without a network: message size over fragments, and the token buckets. */
public class FrameBudgetTest
{
    private static FrameBudget budget(long maxMessageSize, long messageRate, long byteRate, boolean slow)
    {
        return new FrameBudget(new RelayPolicyConfig.Direction(maxMessageSize, messageRate, byteRate), Duration.ofSeconds(1), slow, null, null);
    }

    private static Frame frame(byte opCode, boolean fin, int length)
    {
        return new Frame(opCode, fin, ByteBuffer.allocate(length));
    }

    @Test
    public void messageSizeIsCountedOverContinuationFramesAndStartsAgainWithEachMessage()
    {
        FrameBudget budget = budget(1000, 0, 0, false);
        assertEquals(FrameBudget.Verdict.PASS, budget.admit(frame(OpCode.TEXT, false, 400)));
        // A ping between fragments is not part of the message.
        assertEquals(FrameBudget.Verdict.PASS, budget.admit(frame(OpCode.PING, true, 100)));
        assertEquals(FrameBudget.Verdict.PASS, budget.admit(frame(OpCode.CONTINUATION, true, 600)));
        assertEquals(FrameBudget.Verdict.PASS, budget.admit(frame(OpCode.BINARY, false, 999)));
        assertEquals(FrameBudget.Verdict.TOO_BIG, budget.admit(frame(OpCode.CONTINUATION, false, 2)));
    }

    @Test
    public void aMessageRateLetsItsBurstPassThenRefusesOrWaits()
    {
        FrameBudget close = budget(0, 10, 0, false);
        for (int i = 0; i < 10; i++)
            assertEquals(FrameBudget.Verdict.PASS, close.admit(frame(OpCode.TEXT, true, 1)));
        assertEquals(FrameBudget.Verdict.OVER_RATE, close.admit(frame(OpCode.TEXT, true, 1)));

        FrameBudget.Bucket bucket = new FrameBudget.Bucket(10, Duration.ofSeconds(1));
        for (int i = 0; i < 10; i++)
            assertEquals(0, bucket.take(1));
        long wait = bucket.take(1);
        // One message in debt at 10 a second: at most 100 ms to wait.
        assertTrue(wait > 0 && wait <= TimeUnit.MILLISECONDS.toNanos(100), "wait " + wait);
    }

    @Test
    public void continuationFramesAreNotMessagesButTheirBytesCount()
    {
        FrameBudget messages = budget(0, 2, 0, false);
        assertEquals(FrameBudget.Verdict.PASS, messages.admit(frame(OpCode.TEXT, false, 1)));
        for (int i = 0; i < 100; i++)
            assertEquals(FrameBudget.Verdict.PASS, messages.admit(frame(OpCode.CONTINUATION, false, 1)));
        assertEquals(FrameBudget.Verdict.PASS, messages.admit(frame(OpCode.CONTINUATION, true, 1)));

        FrameBudget bytes = budget(0, 0, 1000, false);
        assertEquals(FrameBudget.Verdict.PASS, bytes.admit(frame(OpCode.TEXT, false, 600)));
        assertEquals(FrameBudget.Verdict.OVER_RATE, bytes.admit(frame(OpCode.CONTINUATION, true, 600)));
    }
}
