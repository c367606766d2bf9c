package org.wsproxy.observe;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.wsproxy.testing.LogCapture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** At most one line per interval, on a made-up clock; the next line written counts those left out. */
public class RateLimitedLogTest
{
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    @Test
    public void oneLinePerIntervalThenTheCountOfThoseLeftOut()
    {
        AtomicLong now = new AtomicLong(1_000 * S);
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), Duration.ofSeconds(10), now::get);
        assertEquals(0, log.admit());
        for (int i = 0; i < 5; i++)
        {
            now.addAndGet(S);
            assertEquals(-1, log.admit());
        }
        // 10 s after the first line: written, with the 5 left out.
        now.set(1_010 * S);
        assertEquals(5, log.admit());
        assertEquals(-1, log.admit());
        // A quiet spell: the next line is written at once, and says one was left out.
        now.addAndGet(60 * S);
        assertEquals(1, log.admit());
        now.addAndGet(60 * S);
        assertEquals(0, log.admit());
    }

    @Test
    public void theLineWrittenSaysHowManyWereLeftOut()
    {
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), Duration.ofSeconds(10), now::get);
        try (LogCapture capture = new LogCapture())
        {
            for (int i = 0; i < 4; i++)
                log.warn("refused {} from {}", "GET /x", "10.0.0." + i);
            now.addAndGet(10 * S);
            log.warn("refused {} from {}", "GET /y", "10.0.0.9");
            List<String> lines = capture.lines("refused GET");
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(0).endsWith("refused GET /x from 10.0.0.0"), lines.get(0));
            assertTrue(lines.get(1).endsWith("refused GET /y from 10.0.0.9 (3 more like this not logged since the last one)"), lines.get(1));
        }
    }
}
