package org.wsproxy.e2e;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.demo.DemoBackend;
import org.wsproxy.demo.JettyBases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped jetty-base's watched pools file (etc/wsproxy-pools.properties, found relative to jetty.base)
 * in a real jetty-home: editing it re-points a route within the watch interval, with no restart, while a
 * WebSocket session on another route stays open and keeps echoing.
 */
class PoolsFileIT
{
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private DemoBackend backend;
    private JettyHomeProcess jetty;
    private ExecutorService executor;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception
    {
        backend = new DemoBackend();
        backend.start(0);
        executor = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().executor(executor).connectTimeout(TIMEOUT).build();
    }

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            if (jetty != null)
                jetty.close();
        }
        finally
        {
            backend.stop();
            executor.shutdownNow();
            executor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private int status(int port, String path) throws Exception
    {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(TIMEOUT).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private int awaitStatus(int port, String path, int expected) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int status;
        while ((status = status(port, path)) != expected && System.nanoTime() < deadline)
            Thread.sleep(200);
        return status;
    }

    private static void write(Path file, String text) throws Exception
    {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, text, StandardCharsets.UTF_8);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void editingThePoolsFileRepointsARouteWithoutARestartOrAClosedSession() throws Exception
    {
        Path base = JettyBases.copy(Path.of(JettyHomeProcess.requiredProperty("jetty.base.src")), tmp.resolve("jetty-base"));
        String live = "http://127.0.0.1:" + backend.getPort();
        JettyBases.pointBackendsAt(base, live);
        Files.createDirectories(base.resolve("work"));
        jetty = JettyHomeProcess.start(Path.of(JettyHomeProcess.requiredProperty("jetty.home")), base, "jetty.http.port=0", "wsproxy.war=" + JettyHomeProcess.requiredProperty("wsproxy.war"));
        int port = jetty.awaitPort(Duration.ofSeconds(60));
        assertEquals(200, status(port, "/api/time"));

        JdkWebSocketRecorder recorder = new JdkWebSocketRecorder();
        WebSocket ws = client.newWebSocketBuilder().connectTimeout(TIMEOUT).buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/echo"), recorder)
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

        int dead;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            dead = socket.getLocalPort();
        }
        Path file = base.resolve("etc/wsproxy-pools.properties");
        write(file, "wsproxy.route.app.backends = http://127.0.0.1:" + dead + "\n");
        // The route's only backend is now a dead one: refused, 502 (a pool of one is tried even once ejected).
        int status = awaitStatus(port, "/api/time", 502);
        assertEquals(502, status, () -> "the route did not follow the file; log:\n" + jetty.log());

        ws.sendText("still connected", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("still connected", recorder.nextText(TIMEOUT));

        write(file, "wsproxy.route.app.backends = " + live + "\n");
        assertEquals(200, awaitStatus(port, "/api/time", 200), () -> jetty.log());
        ws.sendText("and still", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("and still", recorder.nextText(TIMEOUT));
        assertTrue(!recorder.closed.isDone(), "the WebSocket was closed: " + recorder.closed.getNow(""));
        ws.sendClose(1000, "done").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("1000 done", recorder.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(jetty.logLines().stream().anyMatch(l -> l.contains("changed by wsproxy-pools.properties")), () -> jetty.log());
    }
}
