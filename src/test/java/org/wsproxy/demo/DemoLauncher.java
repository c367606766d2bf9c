package org.wsproxy.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What {@code mvn -Prun package} runs: the demo backend in this JVM, and the real WAR in a stock
 * jetty-home as a child process, exactly as an operator would run it. Jetty's output goes straight
 * to this console. Ctrl-C stops both; if Jetty exits on its own, so does this.
 * <p>
 * System properties (the pom passes the first three):
 * <ul>
 * <li>{@code jetty.home}: the unpacked jetty-home (default: the only {@code target/jetty-home-*})</li>
 * <li>{@code jetty.base}: default {@code jetty-base}</li>
 * <li>{@code wsproxy.war}: default {@code target/wsproxy.war}</li>
 * <li>{@code jetty.http.port}: the proxy's port, default 8080</li>
 * <li>{@code demo.backend.port}: default 8081; another port runs Jetty on a temporary copy of the
 * base whose etc/wsproxy-override.xml points at it</li>
 * <li>{@code demo.stopWithParent}: stop when the parent process (Maven) exits, default false</li>
 * </ul>
 */
public final class DemoLauncher
{
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private DemoLauncher()
    {
    }

    public static void main(String[] args) throws Exception
    {
        long launched = System.nanoTime();
        Path jettyHome = Path.of(System.getProperty("jetty.home", findJettyHome().toString())).toAbsolutePath();
        Path jettyBase = Path.of(System.getProperty("jetty.base", "jetty-base")).toAbsolutePath();
        Path war = Path.of(System.getProperty("wsproxy.war", "target/wsproxy.war")).toAbsolutePath();
        int httpPort = Integer.getInteger("jetty.http.port", 8080);
        int backendPort = Integer.getInteger("demo.backend.port", DemoBackend.DEFAULT_PORT);
        requireFile(jettyHome.resolve("start.jar"), "run `mvn -Prun package`, or set -Djetty.home");
        requireFile(jettyBase.resolve("start.d/wsproxy.ini"), "set -Djetty.base to the repository's jetty-base");
        requireFile(war, "run `mvn package`, or set -Dwsproxy.war");

        DemoBackend backend = new DemoBackend();
        try
        {
            backend.start(backendPort);
        }
        catch (IOException x)
        {
            System.err.printf("Cannot start the demo backend on 127.0.0.1:%d (%s); choose another port with -Ddemo.backend.port=N%n", backendPort, x);
            backend.stop();
            System.exit(2);
        }

        Path tempBase = null;
        if (backendPort != DemoBackend.DEFAULT_PORT)
        {
            tempBase = JettyBases.copy(jettyBase, Files.createTempDirectory("wsproxy-jetty-base"));
            JettyBases.pointBackendsAt(tempBase, "http://127.0.0.1:" + backendPort);
            jettyBase = tempBase;
        }

        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar", jettyHome.resolve("start.jar").toString(),
            "jetty.home=" + jettyHome,
            "jetty.base=" + jettyBase,
            "jetty.http.port=" + httpPort,
            "wsproxy.war=" + war));
        System.out.println("Starting: " + String.join(" ", command));
        Process jetty = new ProcessBuilder(command).inheritIO().start();

        Path cleanup = tempBase;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(jetty, backend, cleanup), "demo-shutdown"));

        if (Boolean.getBoolean("demo.stopWithParent"))
        {
            // Under `mvn -Prun`, Maven is the parent and does not pass its own termination on to us:
            // without this, killing Maven (rather than Ctrl-C in its terminal) would leave Jetty running.
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() ->
            {
                System.out.println("Parent process " + parent.pid() + " exited: stopping.");
                System.exit(0);
            }));
        }

        Thread announcer = new Thread(() -> announceWhenReady(jetty, httpPort, backend.getPort(), launched), "demo-ready");
        announcer.setDaemon(true);
        announcer.start();

        System.exit(jetty.waitFor());
    }

    /**
     * Polls through the proxy to the backend, so "up" means the whole chain answers, then says where to go.
     */
    private static void announceWhenReady(Process jetty, int httpPort, int backendPort, long launched)
    {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI probe = URI.create("http://127.0.0.1:" + httpPort + "/api/time");
        long deadline = launched + READY_TIMEOUT.toNanos();
        while (jetty.isAlive() && System.nanoTime() < deadline)
        {
            try
            {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launched);
                if (response.statusCode() == 200)
                    banner(httpPort, backendPort, millis);
                else
                    System.out.printf("%n*** Jetty answers on port %d but %s gave HTTP %d: wsproxy did not deploy " +
                        "or cannot reach the backend; see the log above. Ctrl-C to stop.%n%n", httpPort, probe, response.statusCode());
                return;
            }
            catch (IOException x)
            {
                // Not listening yet.
            }
            catch (InterruptedException x)
            {
                return;
            }
            sleep(Duration.ofMillis(100));
        }
        if (jetty.isAlive())
            System.out.printf("%n*** Nothing answered on port %d within %d s; see the log above.%n%n", httpPort, READY_TIMEOUT.toSeconds());
    }

    private static void banner(int httpPort, int backendPort, long millis)
    {
        String proxy = "localhost:" + httpPort;
        System.out.printf("""

            ==========================================================================
             wsproxy is up: %d ms from launch to the first answer through the proxy.

               Demo page (chat, echo ping):  http://%s/
               HTTP through the proxy:       http://%s/api/time
               WebSocket echo:               ws://%s/ws/echo
               The backend, directly:        http://127.0.0.1:%d/
               Routes and backends:          jetty-base/etc/wsproxy-override.xml

             Ctrl-C stops Jetty and the backend.
            ==========================================================================

            """, millis, proxy, proxy, proxy, backendPort);
    }

    private static void shutdown(Process jetty, DemoBackend backend, Path tempBase)
    {
        // SIGTERM first, so Jetty runs its own shutdown and removes its temporary directory.
        jetty.descendants().forEach(ProcessHandle::destroy);
        jetty.destroy();
        try
        {
            if (!jetty.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                jetty.descendants().forEach(ProcessHandle::destroyForcibly);
                jetty.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            backend.stop();
            if (tempBase != null)
                JettyBases.delete(tempBase);
        }
        catch (Exception x)
        {
            x.printStackTrace();
        }
    }

    private static Path findJettyHome() throws IOException
    {
        Path target = Path.of("target");
        if (!Files.isDirectory(target))
            return target.resolve("jetty-home");
        try (Stream<Path> homes = Files.list(target))
        {
            return homes.filter(path -> path.getFileName().toString().startsWith("jetty-home-"))
                .filter(Files::isDirectory)
                .findFirst()
                .orElse(target.resolve("jetty-home"));
        }
    }

    private static void requireFile(Path path, String hint)
    {
        if (!Files.isRegularFile(path))
        {
            System.err.println("Missing " + path + ": " + hint);
            System.exit(2);
        }
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
}
