package org.wsproxy.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.wsproxy.demo.JettyBases;

/**
 * The benchmark ({@code mvn -Pbench package}, README "Benchmark"): starts the backend, wsproxy in
 * jetty-home and nginx (when installed) as processes of their own, runs each workload from a separate
 * load-driver process against each of direct, wsproxy and nginx in turn, and prints a table.
 * <p>Flags (from {@code -Dbench.args="..."} or the command line), with their defaults:</p>
 * <ul>
 * <li>{@code --workloads a,b,c,d,e}; {@code --warmup 2s --duration 6s} per steady workload</li>
 * <li>(a) {@code --connections 100 --window 16 --size 64}, text, or {@code --binary true} (also for (b))</li>
 * <li>(c) {@code --large-connections 4 --large-size 1MiB}; (d) {@code --idle 5000 --idle-in-flight 100}; (e) {@code --http-connections 32}</li>
 * <li>{@code --floor true}: also {@link CoreRelayFloor}, the cheapest relay Jetty allows, as a target of the WebSocket workloads</li>
 * <li>{@code --nginx auto|false}; {@code --proxy-java DIR} a JDK for wsproxy (default this one);
 * {@code --proxy-warmup 10s} of each workload through wsproxy before the first is measured, for its JIT, and
 * {@code --proxy-warmup-upgrades 18000} WebSockets opened (and closed) through it, 6,000 at a time</li>
 * <li>{@code --out FILE}: where the table is also written (default target/bench-results.md)</li>
 * <li>{@code --http-floor async,blocking}: for (e), stock Jetty proxy servlets ({@link FloorProxy}) measured as rows of their own</li>
 * <li>{@code cold} in {@code --workloads}: first, on servers started for each, the first {@code --cold-upgrades 2000} upgrades
 * and the first {@code --cold-messages 10000} messages after start, without warm-up</li>
 * </ul>
 * System properties, set by the pom: {@code jetty.home}, {@code jetty.base}, {@code wsproxy.war}.
 */
public final class Benchmark
{
    /** See {@link #warmUp}. */
    private static final int WARMUP_UPGRADES = 18_000;
    private static final int WARMUP_UPGRADES_AT_ONCE = 6_000;
    private static final Set<String> FLAGS = Set.of("workloads", "warmup", "duration", "connections", "window", "size",
        "binary", "large-connections", "large-size", "idle", "idle-in-flight", "http-connections", "nginx", "proxy-java", "proxy-warmup", "proxy-warmup-upgrades", "out", "cold-upgrades", "cold-messages", "floor",
        "http-floor");
    /** The load driver's heap: enough for tens of thousands of connections' buffers. */
    private static final List<String> DRIVER_JVM = List.of("-Xms512m", "-Xmx2g");

    private Benchmark()
    {
    }

    public static void main(String[] args) throws Exception
    {
        List<ResultTable.Row> rows = run(Flags.forMain("bench.args", args), Path.of(requiredProperty("jetty.home")),
            Path.of(System.getProperty("jetty.base", "jetty-base")), Path.of(requiredProperty("wsproxy.war")), System.out);
        System.exit(rows.stream().anyMatch(row -> row.result().errors() > 0) ? 1 : 0);
    }

    /**
     * Runs the benchmark as {@code flags} say, printing progress and the table to {@code out}.
     *
     * @param jettyBase the base to copy for wsproxy (the project's jetty-base/)
     */
    static List<ResultTable.Row> run(Flags flags, Path jettyHome, Path jettyBase, Path war, PrintStream out) throws Exception
    {
        flags.rejectUnknown(FLAGS);
        List<Workload> workloads = Workload.from(flags);
        Path javaHome = Path.of(flags.string("proxy-java", System.getProperty("java.home")));
        Path nginx = "false".equals(flags.string("nginx", "auto")) ? null : Nginx.find().orElse(null);
        Duration proxyWarmup = flags.duration("proxy-warmup", Duration.ofSeconds(10));
        int warmupUpgrades = flags.integer("proxy-warmup-upgrades", WARMUP_UPGRADES);
        Path outFile = Path.of(flags.string("out", "target/bench-results.md"));
        boolean floor = flags.bool("floor", false);

        String machine = Machine.describe(javaHome, nginx);
        out.println("wsproxy benchmark on " + machine);
        if (nginx == null)
            out.println("nginx: not installed (or --nginx false): its rows are left out (apt-get install nginx to add them)");
        List<ResultTable.Row> rows = new ArrayList<>();
        if (Workload.coldWanted(flags))
        {
            for (Workload cold : Workload.cold(flags))
                runOnFreshServers(cold, jettyHome, jettyBase, war, javaHome, nginx, floor, rows, out);
        }
        List<String> floors = flags.string("http-floor", "").isBlank() ? List.of() : List.of(flags.string("http-floor", "").split(","));
        if (!workloads.isEmpty())
            runOnServers(workloads, proxyWarmup, warmupUpgrades, jettyHome, jettyBase, war, javaHome, nginx, floor, floors, rows, out);

        String table = ResultTable.format(rows);
        out.println();
        out.println(machine);
        out.println();
        out.println(table);
        out.println(Machine.LEGEND);
        Files.createDirectories(outFile.toAbsolutePath().getParent());
        Files.writeString(outFile, machine + "\n\n" + table + "\n" + Machine.LEGEND + "\n");
        out.println("(also written to " + outFile.toAbsolutePath() + ")");
        return rows;
    }

    /** A start-up row: {@code workload} on servers started for it, nothing run through them before. */
    private static void runOnFreshServers(Workload workload, Path jettyHome, Path jettyBase, Path war, Path javaHome, Path nginx,
                                          boolean floor, List<ResultTable.Row> rows, PrintStream out) throws Exception
    {
        runOnServers(List.of(workload), Duration.ZERO, 0, jettyHome, jettyBase, war, javaHome, nginx, floor, List.of(), rows, out);
    }

    private static void runOnServers(List<Workload> workloads, Duration proxyWarmup, int warmupUpgrades, Path jettyHome, Path jettyBase, Path war,
                                     Path javaHome, Path nginx, boolean floor, List<String> httpFloors, List<ResultTable.Row> rows,
                                     PrintStream out) throws Exception
    {
        Path workDir = Files.createTempDirectory("wsproxy-bench");
        try (Servers servers = Servers.start(jettyHome, jettyBase, war, javaHome, nginx, workDir, out))
        {
            if (floor)
                servers.addFloor(javaHome, out);
            for (String mode : httpFloors)
                servers.startFloor(mode, out);
            // Ctrl-C (or Maven going away) must not leave Jetty, nginx or the backend running.
            Thread stopper = new Thread(servers::close, "bench-shutdown");
            Runtime.getRuntime().addShutdownHook(stopper);
            try
            {
                measure(servers, workloads, proxyWarmup, warmupUpgrades, rows, out);
            }
            finally
            {
                removeHook(stopper);
            }
        }
        finally
        {
            JettyBases.delete(workDir);
        }
    }

    /** Each workload against each target, in turn, after wsproxy's warm-up. */
    private static void measure(Servers servers, List<Workload> workloads, Duration proxyWarmup, int warmupUpgrades,
                                List<ResultTable.Row> rows, PrintStream out) throws Exception
    {
        if (!proxyWarmup.isZero())
            warmUp(servers, proxyWarmup, warmupUpgrades, out);
        for (Workload workload : workloads)
        {
            out.println();
            out.println(workload.title());
            for (Target target : servers.targets())
            {
                if (runs(target, workload))
                    rows.add(new ResultTable.Row(workload, target, drive(workload, target, out)));
            }
        }
        if (rows.stream().anyMatch(row -> row.result().errors() > 0))
            out.println("\nThere were errors; wsproxy's log:\n" + servers.proxyLog());
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

    /**
     * Every workload once through wsproxy, unreported and shorter, so that its JIT has compiled the hot paths
     * before anything is measured (nginx needs no such thing; the per-run warm-up alone is too short for
     * the handshake path). The handshake path needs {@code upgrades} handshakes: C2 compiles a method after
     * 5,000-15,000 calls (Tier4InvocationThreshold, Tier4CompileThreshold), and most of that path runs once per
     * handshake. With 6,000, C2 was still compiling it during the measured (d): 122 tier-4 compilations and a
     * third of wsproxy's CPU samples there.
     */
    private static void warmUp(Servers servers, Duration time, int upgrades, PrintStream out) throws Exception
    {
        out.println();
        out.println("warming up wsproxy's JIT: " + time.toSeconds() + " s of each workload and " + upgrades
            + " WebSockets opened, " + WARMUP_UPGRADES_AT_ONCE + " at a time, not reported");
        for (Target jvm : servers.targets())
        {
            // wsproxy, and the floors when there are: the JVMs.
            if (jvm.jcmd() == null)
                continue;
            Target unmeasured = new Target(jvm.name(), jvm.port(), List.of(), null);
            for (int opened = 0, round = 0; round == 0 || opened < upgrades; opened += WARMUP_UPGRADES_AT_ONCE, round++)
            {
                // The first round runs every workload; the next ones only the handshakes.
                int idle = Math.max(1, Math.min(WARMUP_UPGRADES_AT_ONCE, upgrades - opened));
                Flags flags = Flags.parse("--warmup", "0s", "--duration", time.toMillis() + "ms", "--idle", Integer.toString(idle));
                for (Workload workload : Workload.from(flags))
                {
                    if (workload.key().equals("b") || !runs(jvm, workload))
                        continue;
                    if (round == 0 || workload.key().equals("d"))
                        drive(workload, unmeasured, out);
                }
            }
        }
    }

    /** The WebSocket floor ({@code --floor}) relays WebSockets only; the HTTP floors ({@code --http-floor}) proxy HTTP only. */
    private static boolean runs(Target target, Workload workload)
    {
        if (target.name().equals("floor"))
            return !workload.http();
        if (target.name().startsWith("jetty-"))
            return workload.http();
        return true;
    }

    /** One load-driver process running {@code workload} against {@code target}. */
    static Result drive(Workload workload, Target target, PrintStream out) throws Exception
    {
        List<String> args = new ArrayList<>(workload.args());
        args.add("--url=" + (workload.http() ? target.httpUrl() : target.webSocketUrl()));
        args.addAll(target.probeArgs());
        AtomicReference<Result> result = new AtomicReference<>();
        String prefix = String.format("  %-8s", target.name());
        try (JavaProcess driver = JavaProcess.start("driver", DRIVER_JVM, LoadDriver.class, args, line ->
        {
            if (line.startsWith(LoadDriver.PROGRESS))
                out.println(prefix + line.substring(LoadDriver.PROGRESS.length()));
            else if (line.startsWith(Result.PREFIX))
                result.set(Result.fromLine(line));
            else
                out.println(prefix + "| " + line);
        }))
        {
            if (!driver.waitFor(workload.timeout()))
                return Result.failed("the load driver did not finish within " + workload.timeout().toSeconds() + " s");
            if (result.get() == null)
                return Result.failed("the load driver exited with " + driver.exitValue() + " and no result: " + driver.lastLines());
        }
        Result done = result.get();
        out.printf("%s-> %s%n", prefix, summary(workload, done));
        return done;
    }

    private static String summary(Workload workload, Result result)
    {
        String cpu = result.cpuMicrosPerUnit() < 0 ? "" : String.format(", proxy CPU %.1f µs/%s", result.cpuMicrosPerUnit(), workload.unit());
        String rss = !result.hasRss() ? "" : String.format(", memory %.1f KiB/conn", result.rssPerConnection() / 1024.0);
        return String.format("%,.1f %s/s, p50 %s, p99 %s%s%s, errors %d%s", result.throughput(), workload.unit(),
            ResultTable.latency(result.p50()), ResultTable.latency(result.p99()), cpu, rss, result.errors(),
            result.errors() > 0 ? " (" + result.firstError() + ")" : "");
    }

    private static String requiredProperty(String name)
    {
        String value = System.getProperty(name);
        if (value == null || value.isBlank())
            throw new IllegalStateException("system property " + name + " is not set: run `mvn -Pbench package`");
        return value;
    }

    /** What the table was measured on. */
    static final class Machine
    {
        static final String LEGEND = """
            Throughput: units of work per second while measuring (msg: a message echoed; MiB: a MiB echoed, i.e. \
            sent and received back; handshake: a WebSocket opened; req: an HTTP response). Latency: a message's \
            round trip (for (a) including the wait behind the window), a handshake for (d), a request for (e). \
            Proxy CPU per unit: user+system CPU time of the proxy's processes (wsproxy's JVM, nginx's workers) \
            from /proc while measuring, divided by the units. Memory per idle WebSocket: what the proxy holds \
            with all (d) connections open minus before, divided by the connections; for nginx its workers' RSS, \
            for wsproxy its RSS outside the Java heap plus the live heap after a full GC (the heap's own size \
            is a policy, not a cost of the connections). Ratios: throughput against direct, CPU and memory \
            against nginx. Every echo and response is checked; errors are counted.""";

        private Machine()
        {
        }

        static String describe(Path javaHome, Path nginx) throws IOException, InterruptedException
        {
            String cpu = "unknown CPU";
            try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo")))
            {
                cpu = lines.filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse(cpu);
            }
            String java = javaHome.toString();
            Path release = javaHome.resolve("release");
            if (Files.isReadable(release))
            {
                java = Files.readAllLines(release).stream()
                    .filter(line -> line.startsWith("JAVA_VERSION=") || line.startsWith("IMPLEMENTOR="))
                    .map(line -> line.substring(line.indexOf('=') + 1).replace("\"", ""))
                    .reduce((a, b) -> a + " " + b)
                    .orElse(java);
            }
            return String.format("%d cores (%s), %s %s, wsproxy on JDK %s, nginx %s", Runtime.getRuntime().availableProcessors(), cpu,
                System.getProperty("os.name"), System.getProperty("os.version"), java, nginx == null ? "absent" : Nginx.version(nginx));
        }
    }
}
