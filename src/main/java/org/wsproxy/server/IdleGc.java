package org.wsproxy.server;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.management.ObjectName;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives memory back to the system once the proxy has gone quiet: a full GC ({@link System#gc()}), then the C
 * library told to hand back the native memory it keeps free (the {@code System.trim_native_heap} diagnostic
 * command: JDK 17.0.9, 21.0.1 and later; skipped on JDKs without it).
 * <p>Why: the Serial collector of start.d/jvm.ini (chosen for its CPU cost per message and per handshake)
 * sizes its old generation, and uncommits what it no longer needs, only at a full GC, and nothing runs one
 * while the proxy is idle, so the resident memory stayed at its peak (issue 7 item 9: 172 MiB after
 * start-up, 466 MiB for good after a hostile run).</p>
 * <p>When: every interval it samples the bytes the JVM has allocated and its collections; it acts after an
 * interval in which fewer than {@value #QUIET_BYTES_PER_SECOND} bytes a second were allocated, if a
 * collection ran since it last acted ({@link QuietAfterActivity}). Traffic allocates for every message, so
 * this does not act while it flows, and acts once per quiet period. The full GC stops the world for a time
 * that grows with the live heap (MemoryReturnIT logs it: 105-138 ms with 11-12 MiB live on 2 cores at a load
 * average of 8-16, 0.7-3.9 s with 10-35 MiB live at 40-50); it runs on a thread of the server's pool, not on
 * the scheduler. Direct buffers freed by the GC are released by the JDK's cleaner
 * thread, hence the trim a second later.</p>
 */
@ManagedObject("Full GC and native heap trim when the JVM has gone quiet")
public class IdleGc extends AbstractLifeCycle
{
    /** Below this many bytes allocated a second, on average over an interval, the JVM counts as quiet. */
    static final long QUIET_BYTES_PER_SECOND = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(IdleGc.class);
    private static final long TRIM_DELAY_MS = 1000;
    /**
     * The old generation's free space kept by this full GC, in % (jvm.ini leaves the JVM's 40-70% for the
     * growth under load): close to what is live, so that idle connections cost memory in proportion to what
     * they hold.
     */
    static final int IDLE_MIN_HEAP_FREE_RATIO = 10;
    static final int IDLE_MAX_HEAP_FREE_RATIO = 20;

    private final Server server;
    private final long intervalMillis;
    private final LongAdder runs = new LongAdder();
    private final QuietAfterActivity quiet;
    private volatile Scheduler.Task next;

    /**
     * @param intervalMillis how long the JVM must have been quiet; 0 or less turns this off
     */
    public IdleGc(@Name("server") Server server, @Name("intervalMillis") long intervalMillis)
    {
        this.server = server;
        this.intervalMillis = intervalMillis;
        this.quiet = new QuietAfterActivity(intervalMillis, QUIET_BYTES_PER_SECOND);
    }

    @ManagedAttribute("How long the JVM must have been quiet before a full GC, in ms (0: off)")
    public long getIntervalMillis()
    {
        return intervalMillis;
    }

    @ManagedAttribute("Full GCs run because the JVM had gone quiet")
    public long getRuns()
    {
        return runs.sum();
    }

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        if (intervalMillis <= 0)
        {
            LOG.info("wsproxy: no full GC when idle");
            return;
        }
        // Start-up itself counts as activity: the first quiet interval after it collects too.
        quiet.due(allocatedBytes(), collections());
        LOG.info("wsproxy: a full GC after {} ms quiet gives the heap back", intervalMillis);
        schedule(intervalMillis, this::check);
    }

    @Override
    protected void doStop() throws Exception
    {
        Scheduler.Task task = next;
        if (task != null)
            task.cancel();
        super.doStop();
    }

    private void schedule(long delayMillis, Runnable task)
    {
        if (isRunning())
            next = server.getScheduler().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs on the scheduler's thread, one at a time (each schedules the next, after any collection it ran). */
    private void check()
    {
        try
        {
            if (quiet.due(allocatedBytes(), collections()))
            {
                server.getThreadPool().execute(this::collect);
                return;
            }
        }
        catch (Throwable x)
        {
            LOG.warn("wsproxy: idle GC check failed", x);
        }
        schedule(intervalMillis, this::check);
    }

    private void collect()
    {
        try
        {
            runs.increment();
            MemoryUsage before = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            long begin = System.nanoTime();
            try (HeapFreeRatios narrowed = HeapFreeRatios.narrow(IDLE_MIN_HEAP_FREE_RATIO, IDLE_MAX_HEAP_FREE_RATIO))
            {
                System.gc();
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            MemoryUsage after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            quiet.acted(allocatedBytes(), collections());
            LOG.debug("quiet for {} ms: full GC in {} ms, heap used {} -> {} KiB, committed {} -> {} KiB", intervalMillis, millis,
                before.getUsed() / 1024, after.getUsed() / 1024, before.getCommitted() / 1024, after.getCommitted() / 1024);
            schedule(TRIM_DELAY_MS, () -> server.getThreadPool().execute(IdleGc::trimNativeHeap));
        }
        catch (Throwable x)
        {
            LOG.warn("wsproxy: idle GC failed", x);
        }
        finally
        {
            schedule(intervalMillis, this::check);
        }
    }

    private static long collections()
    {
        long count = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans())
            count += Math.max(0, collector.getCollectionCount());
        return count;
    }

    /** The bytes all threads have allocated since the JVM started, or -1 where the JVM does not count them. */
    private static long allocatedBytes()
    {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads && threads.isThreadAllocatedMemoryEnabled())
            return threads.getTotalThreadAllocatedBytes();
        return -1;
    }

    /**
     * glibc keeps memory that was malloc'ed and freed (direct buffers, the JIT's arenas) for reuse; this hands
     * back what it can. JDKs without the command skip it.
     */
    private static void trimNativeHeap()
    {
        try
        {
            Object result = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "systemTrimNativeHeap", new Object[]{null}, new String[]{String[].class.getName()});
            LOG.debug("native heap trimmed: {}", String.valueOf(result).trim());
        }
        catch (Throwable x)
        {
            LOG.debug("native heap not trimmed (JDK without System.trim_native_heap?): {}", x.toString());
        }
    }

    @Override
    public String toString()
    {
        return String.format("%s@%x{interval=%dms,runs=%d}", getClass().getSimpleName(), hashCode(), intervalMillis, getRuns());
    }
}
