package org.wsproxy.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.wsproxy.demo.JettyBases;

/**
 * Does the proxy's memory come back after load (issue 7 item 9)? {@code mvn -Pmemory package}: starts the
 * benchmark's backend and wsproxy (the WAR in jetty-home with a copy of a Jetty base, {@code jetty-base/} by
 * default, so with its {@code start.d/jvm.ini}), records wsproxy's RSS after start-up, drives a heap-heavy
 * load through it from separate load-driver processes, records the peak RSS, then samples the RSS every
 * {@code --every} for {@code --after} once the load has ended, and at last the live heap after a full GC.
 * Lines start with {@code MEMORY}.
 * <p>The load, {@code --rounds} times: {@code --idle} WebSockets opened 64 at a time, held, echoed and
 * closed (about 20 KiB of live heap each while open); {@code --duration} each of 1 MiB binary messages
 * (4 connections, 2 in flight), small echoes (100 connections x 16 in flight) and HTTP GETs (32
 * connections). Nothing here runs a GC in the proxy until the last line ({@code jcmd GC.run}).</p>
 * <p>Flags ({@code -Dmemory.args="..."}): {@code --rounds 2 --idle 6000 --duration 10s --after 120s --every 10s},
 * {@code --proxy-java DIR} (the JDK wsproxy runs on), {@code --env NAME=VALUE,...} (added to the environment Jetty runs in,
 * e.g. {@code MALLOC_ARENA_MAX=2}). System properties, set by the pom: {@code jetty.home},
 * {@code jetty.base} ({@code -Dbench.jetty.base} picks another base), {@code wsproxy.war}.</p>
 */
public final class MemoryAfterLoad
{
    private static final Set<String> FLAGS = Set.of("rounds", "idle", "duration", "after", "every", "proxy-java", "env");
    private static final double MIB = 1024 * 1024;
    private static final double GOAL = 1.5;
    // " def new generation   total 59008K, used 1048K [..." / " garbage-first heap   total 266240K, used 21399K [..."
    private static final Pattern HEAP_TOTAL = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private MemoryAfterLoad()
    {
    }

    public static void main(String[] args) throws Exception
    {
        Flags flags = Flags.forMain("memory.args", args);
        flags.rejectUnknown(FLAGS);
        boolean met = run(flags, Path.of(required("jetty.home")), Path.of(System.getProperty("jetty.base", "jetty-base")),
            Path.of(required("wsproxy.war")), System.out);
        System.exit(met ? 0 : 1);
    }

    /** Returns whether the RSS came back within {@value #GOAL}x of its start-up figure within {@code --after}. */
    static boolean run(Flags flags, Path jettyHome, Path jettyBase, Path war, PrintStream out) throws Exception
    {
        int rounds = flags.integer("rounds", 2);
        Duration after = flags.duration("after", Duration.ofSeconds(120));
        Duration every = flags.duration("every", Duration.ofSeconds(10));
        Path javaHome = Path.of(flags.string("proxy-java", System.getProperty("java.home")));
        Map<String, String> environment = new LinkedHashMap<>();
        for (String variable : flags.string("env", "").split(","))
        {
            int equals = variable.indexOf('=');
            if (equals > 0)
                environment.put(variable.substring(0, equals), variable.substring(equals + 1));
            else if (!variable.isBlank())
                throw new IllegalArgumentException("--env takes NAME=VALUE,..., not '" + variable + "'");
        }
        Flags load = Flags.parse("--workloads", "d,c,a,e", "--warmup", "0s", "--duration", flags.string("duration", "10s"),
            "--idle", Integer.toString(flags.integer("idle", 6000)));
        List<Workload> workloads = Workload.from(load);

        out.println("MEMORY wsproxy's RSS after load, on " + Benchmark.Machine.describe(javaHome, null));
        out.println("MEMORY jetty base " + jettyBase.toAbsolutePath() + ", JVM options: " + jvmOptions(jettyBase) +
            (environment.isEmpty() ? "" : ", environment " + environment));
        Path workDir = Files.createTempDirectory("wsproxy-memory");
        try (Servers servers = Servers.start(jettyHome, jettyBase, war, javaHome, environment, null, workDir, out))
        {
            Thread stopper = new Thread(servers::close, "memory-shutdown");
            Runtime.getRuntime().addShutdownHook(stopper);
            Target wsproxy = servers.targets().stream().filter(Target::isProxy).findFirst().orElseThrow();
            // The drivers get no probe: it would run full GCs in the proxy.
            Target unprobed = new Target(wsproxy.name(), wsproxy.port(), List.of(), null);
            ProcessProbe probe = new ProcessProbe(wsproxy.pids(), wsproxy.jcmd());
            long pid = wsproxy.pids().get(0);

            Thread.sleep(5000);
            long startup = probe.rssBytes();
            out.printf("MEMORY after start-up: RSS %.1f MiB, heap committed %s%n", startup / MIB, heapCommitted(probe, pid));

            AtomicLong peak = new AtomicLong(startup);
            AtomicBoolean loading = new AtomicBoolean(true);
            Thread sampler = new Thread(() ->
            {
                while (loading.get())
                {
                    peak.accumulateAndGet(probe.rssBytes(), Math::max);
                    sleep(Duration.ofMillis(500));
                }
            }, "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();
            for (int round = 1; round <= rounds; round++)
            {
                for (Workload workload : workloads)
                {
                    out.printf("MEMORY round %d: %s%n", round, workload.title());
                    Result result = Benchmark.drive(workload, unprobed, out);
                    if (result.errors() > 0)
                        out.println("MEMORY errors in that workload: " + result.firstError());
                }
                out.printf("MEMORY after round %d: RSS %.1f MiB, peak so far %.1f MiB%n", round, probe.rssBytes() / MIB, peak.get() / MIB);
            }
            loading.set(false);
            sampler.join();
            peak.accumulateAndGet(probe.rssBytes(), Math::max);
            out.printf("MEMORY peak during load: RSS %.1f MiB (%.2fx start-up)%n", peak.get() / MIB, peak.get() / (double)startup);

            long ended = System.nanoTime();
            long backAfter = -1;
            for (long at = 0; at <= after.toMillis(); at += every.toMillis())
            {
                sleepUntil(ended + TimeUnit.MILLISECONDS.toNanos(at));
                long rss = probe.rssBytes();
                double ratio = rss / (double)startup;
                if (backAfter < 0 && ratio <= GOAL)
                    backAfter = at;
                out.printf("MEMORY +%3d s after load: RSS %6.1f MiB (%.2fx start-up), heap committed %s%n",
                    at / 1000, rss / MIB, ratio, heapCommitted(probe, pid));
            }
            out.println(backAfter >= 0
                ? String.format("MEMORY back within %.1fx of start-up %d s after the load ended", GOAL, backAfter / 1000)
                : String.format("MEMORY NOT back within %.1fx of start-up %d s after the load ended", GOAL, after.toSeconds()));
            ProcessProbe.Memory memory = probe.memory();
            out.printf("MEMORY then, after a full GC (jcmd GC.run): live heap %.1f MiB, RSS outside the heap %.1f MiB, RSS %.1f MiB%n",
                memory.liveHeap() / MIB, memory.outsideHeap() / MIB, probe.rssBytes() / MIB);
            removeHook(stopper);
            return backAfter >= 0;
        }
        finally
        {
            JettyBases.delete(workDir);
        }
    }

    /** The JVM options of the base's start.d/jvm.ini (the lines starting with -X) and its wsproxy.* settings, for the record. */
    private static String jvmOptions(Path jettyBase) throws IOException
    {
        Path ini = jettyBase.resolve("start.d/jvm.ini");
        if (!Files.exists(ini))
            return "(no start.d/jvm.ini)";
        return String.join(" ", Files.readAllLines(ini).stream().map(String::trim).filter(line -> line.startsWith("-X") || line.startsWith("wsproxy.")).toList());
    }

    /** The heap's committed size as jcmd GC.heap_info tells it (no GC is run). */
    private static String heapCommitted(ProcessProbe probe, long pid)
    {
        try
        {
            Process process = new ProcessBuilder(probe.jcmd().toString(), Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String info = new String(process.getInputStream().readAllBytes());
            process.waitFor(30, TimeUnit.SECONDS);
            long total = 0;
            long used = 0;
            for (String line : info.split("\n"))
            {
                Matcher matcher = HEAP_TOTAL.matcher(line);
                if (matcher.find())
                {
                    total += Long.parseLong(matcher.group(1));
                    used += Long.parseLong(matcher.group(2));
                }
            }
            return String.format("%.1f MiB (used %.1f MiB)", total / 1024.0, used / 1024.0);
        }
        catch (IOException | InterruptedException x)
        {
            return "unknown (" + x + ")";
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException
    {
        long wait = nanos - System.nanoTime();
        if (wait > 0)
            TimeUnit.NANOSECONDS.sleep(wait);
    }

    private static void sleep(Duration duration)
    {
        try
        {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (IllegalStateException x)
        {
            // Shutting down already: the hook runs.
        }
    }

    private static String required(String name)
    {
        String value = System.getProperty(name);
        if (value == null || value.isBlank())
            throw new IllegalStateException("system property " + name + " is not set: run `mvn -Pmemory package`");
        return value;
    }
}
