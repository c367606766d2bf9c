package org.wsproxy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A load that runs at a steady pace: open connections, warm up, measure for a fixed time, stop sending,
 * wait for what is in flight to come back (so that every message sent is checked), close.
 * Only work completed while measuring counts, with the proxy's CPU time read at both ends of that window.
 */
abstract class SteadyLoad implements Tally
{
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    protected final Errors errors = new Errors();
    private final LongAdder work = new LongAdder();
    private final LongAdder checked = new LongAdder();
    private final List<Latencies> latencies = new ArrayList<>();
    private final Duration warmup;
    private final Duration duration;
    private final long workLimit;
    private final ProcessProbe probe;
    private final String unit;
    private final double workPerUnit;
    private volatile boolean measuring;
    private volatile boolean running = true;

    /**
     * @param unit what {@link Result#units()} counts, for progress lines
     * @param workPerUnit how many of what subclasses {@link #done(Latencies, long, long) report} make one unit
     */
    SteadyLoad(Duration warmup, Duration duration, ProcessProbe probe, String unit, double workPerUnit)
    {
        this(warmup, duration, 0, probe, unit, workPerUnit);
    }

    /**
     * @param workLimit measuring ends when this much work is done, or after {@code duration}, whichever comes first;
     * 0: no limit
     */
    SteadyLoad(Duration warmup, Duration duration, long workLimit, ProcessProbe probe, String unit, double workPerUnit)
    {
        this.warmup = warmup;
        this.duration = duration;
        this.workLimit = workLimit;
        this.probe = probe;
        this.unit = unit;
        this.workPerUnit = workPerUnit;
    }

    /** Opens the connections; each gets its own {@link #newLatencies() latencies}. */
    protected abstract void open() throws Exception;

    /** Starts sending on every connection; sending goes on while {@link #running()}. */
    protected abstract void start();

    /** Whether everything sent has come back. */
    protected abstract boolean drained();

    /** Closes the connections and stops the client, counting what was left in flight as errors. */
    protected abstract void close() throws Exception;

    protected final Latencies newLatencies()
    {
        Latencies recorder = new Latencies();
        synchronized (latencies)
        {
            latencies.add(recorder);
        }
        return recorder;
    }

    @Override
    public final boolean running()
    {
        return running;
    }

    @Override
    public final void done(Latencies recorder, long nanos, long work)
    {
        checked.increment();
        this.work.add(work);
        if (measuring)
        {
            synchronized (recorder)
            {
                recorder.record(nanos);
            }
        }
    }

    final Result run() throws Exception
    {
        try
        {
            open();
            start();
            pace("warm-up", warmup, -1);
            long cpuBefore = probe == null ? 0 : probe.cpuNanos();
            long workBefore = work.sum();
            long begin = System.nanoTime();
            measuring = true;
            pace("measuring", duration, workBefore);
            measuring = false;
            long end = System.nanoTime();
            long measured = work.sum() - workBefore;
            long cpu = probe == null ? -1 : probe.cpuNanos() - cpuBefore;
            running = false;
            long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            while (!drained() && System.nanoTime() < deadline)
                Thread.sleep(10);
            Latencies all = Latencies.merge(latencies);
            double seconds = (end - begin) / 1e9;
            return new Result(measured / workPerUnit, seconds, all.percentile(50), all.percentile(90), all.percentile(99),
                all.percentile(100), checked.sum(), errors.count(), errors.first(), cpu, Result.NOT_MEASURED);
        }
        finally
        {
            running = false;
            close();
        }
    }

    /**
     * Lets the load run for {@code time}, printing its pace every second; when measuring ({@code workBefore} &ge; 0)
     * with a work limit, until that much is done.
     */
    private void pace(String what, Duration time, long workBefore) throws InterruptedException
    {
        boolean limited = workBefore >= 0 && workLimit > 0;
        long start = System.nanoTime();
        long end = start + time.toNanos();
        long lastWork = work.sum();
        long lastTime = start;
        while (true)
        {
            long now = System.nanoTime();
            if (now >= end || limited && work.sum() - workBefore >= workLimit)
                return;
            Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(end - now) + 1, limited ? 1 : 1000));
            now = System.nanoTime();
            if (limited && now - lastTime < TimeUnit.SECONDS.toNanos(1))
                continue;
            long sum = work.sum();
            LoadDriver.progress(String.format("%s %4.1fs  %,.0f %s/s  errors %d", what, (now - start) / 1e9,
                (sum - lastWork) / workPerUnit / ((now - lastTime) / 1e9), unit, errors.count()));
            lastWork = sum;
            lastTime = now;
        }
    }
}
