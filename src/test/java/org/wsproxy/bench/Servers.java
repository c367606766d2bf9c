package org.wsproxy.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.wsproxy.demo.JettyBases;
import org.wsproxy.e2e.JettyHomeProcess;

/**
 * The processes under test, each its own: the backend ({@link BenchBackend}), wsproxy (the WAR in a stock
 * jetty-home with a copy of the project's {@code jetty-base/} whose routes point at the backend, as an
 * operator would run it) and nginx when installed. Closing stops them all.
 */
final class Servers implements AutoCloseable
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** jetty-base/start.d/jvm.ini's heap and collector, for {@link CoreRelayFloor}. */
    private static final List<String> FLOOR_JVM = List.of("-XX:+UseSerialGC", "-Xmx1g", "-Xmn64m", "-Xms80m", "-XX:-ShrinkHeapInSteps");

    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<Target> targets = new ArrayList<>();
    private JettyHomeProcess jetty;

    /**
     * @param javaHome the JDK wsproxy runs on
     * @param nginx nginx's executable, or null to leave it out
     */
    static Servers start(Path jettyHome, Path jettyBaseSource, Path war, Path javaHome, Path nginx, Path workDir, PrintStream out) throws Exception
    {
        return start(jettyHome, jettyBaseSource, war, javaHome, Map.of(), nginx, workDir, out);
    }

    /**
     * @param proxyEnvironment variables added to the environment wsproxy's Jetty runs in
     */
    static Servers start(Path jettyHome, Path jettyBaseSource, Path war, Path javaHome, Map<String, String> proxyEnvironment, Path nginx,
                         Path workDir, PrintStream out) throws Exception
    {
        Servers servers = new Servers();
        try
        {
            servers.startAll(jettyHome, jettyBaseSource, war, javaHome, proxyEnvironment, nginx, workDir, out);
            return servers;
        }
        catch (Throwable x)
        {
            servers.close();
            throw x;
        }
    }

    private void startAll(Path jettyHome, Path jettyBaseSource, Path war, Path javaHome, Map<String, String> proxyEnvironment, Path nginx,
                          Path workDir, PrintStream out) throws Exception
    {
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        JavaProcess backend = JavaProcess.start("backend", List.of("-Xmx1g"), BenchBackend.class, List.of(), line ->
        {
            if (line.startsWith("LISTENING "))
                listening.complete(Integer.parseInt(line.substring(10).trim()));
        });
        started.add(backend);
        int backendPort = listening.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        out.printf("backend: pid %d, 127.0.0.1:%d%n", backend.pid(), backendPort);
        targets.add(new Target("direct", backendPort, List.of(), null));

        Path base = JettyBases.copy(jettyBaseSource, workDir.resolve("jetty-base"));
        JettyBases.pointBackendsAt(base, "http://127.0.0.1:" + backendPort);
        // Jetty unpacks the WAR under ${jetty.base}/work when it exists: inside workDir, removed with it.
        Files.createDirectories(base.resolve("work"));
        jetty = JettyHomeProcess.start(javaHome, jettyHome, base, false, proxyEnvironment, "jetty.http.port=0", "wsproxy.war=" + war);
        started.add(jetty);
        int proxyPort = jetty.awaitPort(START_TIMEOUT);
        if (!jetty.log().contains("wsproxy route ws"))
            throw new IllegalStateException("wsproxy did not deploy; Jetty's log:\n" + jetty.log());
        long pid = jetty.serverPid();
        out.printf("wsproxy: pid %d, 127.0.0.1:%d (jetty-home %s, base %s, java %s)%n", pid, proxyPort, jettyHome, base, javaHome);
        targets.add(new Target("wsproxy", proxyPort, List.of(pid), javaHome.resolve("bin").resolve("jcmd")));

        if (nginx != null)
        {
            Nginx server = Nginx.start(nginx, backendPort, workDir.resolve("nginx"));
            started.add(server);
            out.printf("nginx: workers %s, 127.0.0.1:%d%n", server.workerPids(), server.port());
            targets.add(new Target("nginx", server.port(), server.workerPids(), null));
        }
    }

    /**
     * Adds {@link CoreRelayFloor} as the target "floor", on the backend, with wsproxy's JVM settings (jetty-base's
     * start.d/jvm.ini: Serial GC, the same heap), run by {@code javaHome}'s JVM.
     */
    void addFloor(Path javaHome, PrintStream out) throws Exception
    {
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        List<String> jvm = new ArrayList<>(FLOOR_JVM);
        // -Dbench.floorJvm="-Xlog:gc:file=..." and the like, to look at it.
        String extra = System.getProperty("bench.floorJvm", "").trim();
        if (!extra.isEmpty())
            jvm.addAll(List.of(extra.split("\\s+")));
        JavaProcess floor = JavaProcess.start("floor", jvm, CoreRelayFloor.class, List.of(String.valueOf(targets.get(0).port())), line ->
        {
            if (line.startsWith("LISTENING "))
                listening.complete(Integer.parseInt(line.substring(10).trim()));
        });
        started.add(floor);
        int port = listening.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        out.printf("floor: pid %d, 127.0.0.1:%d%n", floor.pid(), port);
        targets.add(new Target("floor", port, List.of(floor.pid()), javaHome.resolve("bin").resolve("jcmd")));
    }

    /**
     * Adds the HTTP workload's floor ({@link FloorProxy} in {@code mode}, its own process with {@code jetty-base/}'s
     * JVM flags) as a target named {@code jetty-<mode>}, measured like wsproxy; only HTTP workloads are run on it.
     */
    void startFloor(String mode, PrintStream out) throws Exception
    {
        int backendPort = targets.get(0).port();
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        JavaProcess floor = JavaProcess.start("floor", List.of("-XX:+UseSerialGC", "-Xmx1g", "-Xmn64m", "-Xms80m"), FloorProxy.class,
            List.of(mode, String.valueOf(backendPort)), line ->
            {
                if (line.startsWith("LISTENING "))
                    listening.complete(Integer.parseInt(line.substring(10).trim()));
            });
        started.add(floor);
        int port = listening.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        out.printf("jetty-%s (floor): pid %d, 127.0.0.1:%d%n", mode, floor.pid(), port);
        Target wsproxy = targets.stream().filter(target -> target.name().equals("wsproxy")).findFirst().orElseThrow();
        targets.add(new Target("jetty-" + mode, port, List.of(floor.pid()), wsproxy.jcmd()));
    }

    List<Target> targets()
    {
        return targets;
    }

    /** wsproxy's Jetty log so far, for when something went wrong. */
    String proxyLog()
    {
        return jetty == null ? "" : jetty.log();
    }

    @Override
    public void close()
    {
        for (int i = started.size() - 1; i >= 0; i--)
        {
            try
            {
                started.get(i).close();
            }
            catch (Exception x)
            {
                System.err.println("stopping " + started.get(i) + ": " + x);
            }
        }
        started.clear();
    }
}
