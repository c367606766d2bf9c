package org.wsproxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the benchmark reads about a proxy (or backend) from {@code /proc}: CPU time used so far and
 * resident memory, summed over its processes (one JVM, or nginx's workers). CPU time is the figure least
 * disturbed by other processes on the machine, since it counts only what this process ran, not what it
 * waited.
 * <p>A JVM's resident memory says more about its heap's history than about what it holds: the heap grows
 * in steps and gives memory back (or not) by its own policy. So for a JVM, {@link #memory()} is its
 * RSS outside the Java heap (from {@code /proc/PID/smaps}, the heap's address ranges from
 * {@code jcmd GC.heap_info}) plus the heap's live bytes after a full GC ({@code jcmd GC.run}) and a trim of the C
 * library's free memory ({@code jcmd System.trim_native_heap}): what the process needs, whatever its heap's size. For anything else it is the RSS.</p>
 *
 * @param pids the processes, all counted together
 * @param jcmd the {@code jcmd} for a JVM, or null for a process that is not one
 */
record ProcessProbe(List<Long> pids, Path jcmd)
{
    private static final Pattern GENERATION = Pattern.compile("total \\d+K, used (\\d+)K");
    private static final Pattern ADDRESS = Pattern.compile("0x([0-9a-f]+)");
    private static final Pattern MAPPING = Pattern.compile("([0-9a-f]+)-[0-9a-f]+ ");
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

    /**
     * What {@link #memoryBytes()} adds up, in bytes: the RSS outside the Java heap (all of it for a process
     * that is not a JVM) and the live heap.
     */
    record Memory(long outsideHeap, long liveHeap)
    {
        long total()
        {
            return outsideHeap + liveHeap;
        }
    }

    /** The memory the processes need now (see above), in bytes; for a JVM this runs a full GC first. */
    Memory memory()
    {
        if (jcmd == null)
            return new Memory(rssBytes(), 0);
        long outside = 0;
        long live = 0;
        for (long pid : pids)
        {
            jcmd(pid, "GC.run");
            trimNativeHeap(pid);
            List<long[]> heapRanges = new ArrayList<>();
            long liveHeap = 0;
            // e.g. " tenured generation   total 321536K, used 67609K [0x00000000c4000000, 0x00000000d7a00000, 0x0000000100000000)"
            for (String line : jcmd(pid, "GC.heap_info").split("\n"))
            {
                Matcher generation = GENERATION.matcher(line);
                if (!generation.find())
                    continue;
                liveHeap += Long.parseLong(generation.group(1)) * 1024;
                Matcher addresses = ADDRESS.matcher(line.substring(generation.end()));
                List<Long> bounds = new ArrayList<>();
                while (addresses.find())
                    bounds.add(Long.parseUnsignedLong(addresses.group(1), 16));
                heapRanges.add(new long[]{bounds.get(0), bounds.get(bounds.size() - 1)});
            }
            live += liveHeap;
            outside += rssOutside(pid, heapRanges);
        }
        return new Memory(outside, live);
    }

    /** The RSS of the process's mappings that do not start inside one of {@code ranges}. */
    private static long rssOutside(long pid, List<long[]> ranges)
    {
        long kib = 0;
        boolean inside = false;
        for (String line : read(pid, "smaps").split("\n"))
        {
            Matcher mapping = MAPPING.matcher(line);
            if (mapping.lookingAt())
            {
                long start = Long.parseUnsignedLong(mapping.group(1), 16);
                inside = ranges.stream().anyMatch(range -> start >= range[0] && start < range[1]);
            }
            else if (line.startsWith("Rss:") && !inside)
            {
                kib += Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        return kib * 1024;
    }

    /**
     * Has the C library give back the memory it keeps freed (JDK 17.0.9 and later), as the proxy's idle GC does: without
     * this, what the figure counted outside the heap depended on whether that had happened just before (the proxy idle
     * while other targets ran) rather than on the connections. The direct buffers the GC freed are released by the JDK's
     * cleaner thread, hence the pause first.
     */
    private void trimNativeHeap(long pid)
    {
        try
        {
            Thread.sleep(500);
            jcmd(pid, "System.trim_native_heap");
        }
        catch (IllegalStateException x)
        {
            // An older JDK: what glibc keeps stays counted.
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    private String jcmd(long pid, String command)
    {
        try
        {
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0)
                throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + out);
            return out;
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
