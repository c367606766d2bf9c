package org.wsproxy.relay;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.wsproxy.config.RelayPolicyConfig;

/**
 * The limits on what one hop sends, checked on each frame read from it, on its reading thread (one frame at a
 * time, so no lock). Message sizes are counted over a message's frames, since the relay never assembles a
 * message: a text or binary frame starts a count, continuation frames add to it. Rates are token buckets
 * holding {@code rateBurst} worth of the rate; a message is a text, binary, ping or pong frame (a continuation
 * frame is part of one), its bytes are the payload bytes of all frames. The clock is read only when a bucket
 * runs dry, not per frame.
 * <p>Over a rate, the hop is either closed (1008) or, with {@code slowOverRate}, slowed: the frame passes, and
 * the next is demanded only once the buckets are no longer in debt, by a task on the scheduler, so no thread
 * waits.</p>
 */
final class FrameBudget
{
    enum Verdict
    {
        PASS, TOO_BIG, OVER_RATE
    }

    private final long maxMessageSize;
    private final Bucket messages;
    private final Bucket bytes;
    private final boolean slow;
    private final RelaySide hop;
    private final Scheduler scheduler;
    private final Runnable resume;
    private long messageSize;
    // Slow mode: how long the next demand waits, decided with the frame, acted on when its write completes.
    private long pauseNanos;
    // A demand is scheduled and not yet made; read by the keepalive, whose pings this hop cannot answer meanwhile.
    private volatile boolean paused;

    FrameBudget(RelayPolicyConfig.Direction limits, Duration burst, boolean slow, RelaySide hop, Scheduler scheduler)
    {
        this.maxMessageSize = limits.maxMessageSize();
        this.messages = limits.messageRate() > 0 ? new Bucket(limits.messageRate(), burst) : null;
        this.bytes = limits.byteRate() > 0 ? new Bucket(limits.byteRate(), burst) : null;
        this.slow = slow;
        this.hop = hop;
        this.scheduler = scheduler;
        this.resume = () ->
        {
            paused = false;
            hop.demandNext();
        };
    }

    Verdict admit(Frame frame)
    {
        byte opCode = frame.getOpCode();
        long length = frame.getPayloadLength();
        if (maxMessageSize > 0 && OpCode.isDataFrame(opCode))
        {
            messageSize = (opCode == OpCode.CONTINUATION ? messageSize : 0) + length;
            if (messageSize > maxMessageSize)
                return Verdict.TOO_BIG;
        }
        long wait = 0;
        if (messages != null && opCode != OpCode.CONTINUATION)
            wait = messages.take(1);
        if (bytes != null)
            wait = Math.max(wait, bytes.take(length));
        if (wait == 0)
            return Verdict.PASS;
        if (!slow)
            return Verdict.OVER_RATE;
        pauseNanos = wait;
        return Verdict.PASS;
    }

    long maxMessageSize()
    {
        return maxMessageSize;
    }

    /**
     * The frame read last was written to the other hop: when the hop is over its rate, the next demand is
     * scheduled for when the debt is paid.
     *
     * @return true when the demand was scheduled, false when the caller demands now
     */
    boolean deferDemand()
    {
        long wait = pauseNanos;
        if (wait == 0)
            return false;
        pauseNanos = 0;
        paused = true;
        scheduler.schedule(resume, wait, TimeUnit.NANOSECONDS);
        return true;
    }

    boolean paused()
    {
        return paused;
    }

    /** A token bucket: {@code rate} tokens a second, holding at most {@code burst} worth; it may go into debt. */
    static final class Bucket
    {
        private final double perNano;
        private final double capacity;
        private double tokens;
        private long refilled = System.nanoTime();

        Bucket(long rate, Duration burst)
        {
            this.perNano = rate / 1e9;
            this.capacity = Math.max(1, rate * (burst.toNanos() / 1e9));
            this.tokens = capacity;
        }

        /** @return 0 when the tokens were there, else the nanoseconds until the debt they leave is paid */
        long take(long count)
        {
            tokens -= count;
            if (tokens >= 0)
                return 0;
            long now = System.nanoTime();
            // Refilled before the take: the take may leave the bucket below a full one, never above.
            tokens = Math.min(capacity - count, tokens + (now - refilled) * perNano);
            refilled = now;
            if (tokens >= 0)
                return 0;
            return Math.max(1, (long)Math.ceil(-tokens / perNano));
        }
    }
}
