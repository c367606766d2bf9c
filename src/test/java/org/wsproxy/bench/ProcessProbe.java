package org.wsproxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the benchmark reads about a proxy (or backend) from {@code /proc}: CPU time used so far and
 * resident memory, summed over its processes (one JVM, or nginx's workers). CPU time is the figure least
 * disturbed by other processes on the machine, since it counts only what this process ran, not what it
 * waited. For a JVM, {@link #gc()} runs a full GC through {@code jcmd} first, so RSS shows live memory
 * rather than garbage not yet collected.
 *
 * @param pids the processes, all counted together
 * @param jcmd the {@code jcmd} for a JVM, or null for a process that has no GC
 */
record ProcessProbe(List<Long> pids, Path jcmd)
{
    /** Linux's USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on every architecture Java runs on. */
    private static final long TICKS_PER_SECOND = 100;

    /** User plus system CPU time of every process, in nanoseconds (10 ms resolution). */
    long cpuNanos()
    {
        long ticks = 0;
        for (long pid : pids)
        {
            String stat = read(pid, "stat");
            // The command name, in parentheses, may contain spaces: count fields after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            // Fields 14 and 15 of proc(5), utime and stime; fields[0] is field 3.
            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        return TimeUnit.SECONDS.toNanos(ticks) / TICKS_PER_SECOND;
    }

    /** VmRSS of every process, in bytes. */
    long rssBytes()
    {
        long kib = 0;
        for (long pid : pids)
        {
            for (String line : read(pid, "status").split("\n"))
            {
                if (line.startsWith("VmRSS:"))
                    kib += Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        return kib * 1024;
    }

    /** A full GC in the JVM, done when this returns; nothing for a process without a GC. */
    void gc()
    {
        if (jcmd == null)
            return;
        for (long pid : pids)
        {
            try
            {
                Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
                if (!process.waitFor(60, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    throw new IllegalStateException("jcmd " + pid + " GC.run did not finish within 60 s");
                }
            }
            catch (IOException x)
            {
                throw new IllegalStateException("cannot run " + jcmd, x);
            }
            catch (InterruptedException x)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(x);
            }
        }
    }

    private static String read(long pid, String file)
    {
        try
        {
            return Files.readString(Path.of("/proc", Long.toString(pid), file));
        }
        catch (IOException x)
        {
            throw new IllegalStateException("cannot read /proc/" + pid + "/" + file + " (is the process gone?)", x);
        }
    }
}
