package org.wsproxy.observe;

import java.time.Duration;
import java.util.function.LongSupplier;

import org.eclipse.jetty.util.thread.AutoLock;
import org.slf4j.Logger;

/**
 * One kind of log line that an outsider can cause at will (a refused request, a wrong token), written at most
 * once per interval: the first line is written, those within the interval that follows are only counted, and
 * the next line written after it says how many were left out. A scanner sending a thousand wrong tokens a
 * second then costs one line per interval, not a full disk, and the operator still sees that it happened and
 * how often. One instance per kind of line, so one flood does not hide another kind.
 */
public final class RateLimitedLog
{
    private final Logger logger;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final AutoLock lock = new AutoLock();
    private boolean written;
    private long nextLine;
    private long suppressed;

    public RateLimitedLog(Logger logger, Duration interval)
    {
        this(logger, interval, System::nanoTime);
    }

    /** @param clock monotonic nanoseconds, made up in tests */
    RateLimitedLog(Logger logger, Duration interval, LongSupplier clock)
    {
        this.logger = logger;
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    /**
     * Writes the line at WARN unless one was written within the interval; then only counts it.
     * The arguments are formatted by SLF4J; the count of lines left out is appended to them, so a Throwable
     * last would be printed as text, not as a stack: refusals are an outsider's doing, give their cause as text.
     */
    public void warn(String format, Object... arguments)
    {
        long left = admit();
        if (left < 0 || !logger.isWarnEnabled())
            return;
        if (left == 0)
        {
            logger.warn(format, arguments);
            return;
        }
        Object[] more = java.util.Arrays.copyOf(arguments, arguments.length + 1);
        more[arguments.length] = left;
        logger.warn(format + " ({} more like this not logged since the last one)", more);
    }

    /** @return -1 when this line is to be left out, else how many were left out since the last one written */
    long admit()
    {
        // Decide under the lock, write after releasing it: a slow log must not hold other refusals up.
        try (AutoLock ignored = lock.lock())
        {
            long now = clock.getAsLong();
            if (written && now - nextLine < 0)
            {
                suppressed++;
                return -1;
            }
            written = true;
            nextLine = now + intervalNanos;
            long left = suppressed;
            suppressed = 0;
            return left;
        }
    }

    @Override
    public String toString()
    {
        return "RateLimitedLog[" + logger.getName() + " every " + Duration.ofNanos(intervalNanos) + "]";
    }
}
