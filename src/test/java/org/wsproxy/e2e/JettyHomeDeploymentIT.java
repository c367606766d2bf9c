package org.wsproxy.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.demo.DemoBackend;
import org.wsproxy.demo.JettyBases;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The shipped artifacts, as shipped: target/wsproxy.war deployed by a stock jetty-home with a copy of
 * the committed jetty-base/, whose etc/wsproxy-override.xml is edited the way an operator would.
 * Everything goes over real sockets: JDK clients, proxy in its own JVM, demo backend in this one.
 * <p>
 * Needs the system properties set by the failsafe configuration in the pom:
 * {@code jetty.home}, {@code jetty.base.src}, {@code wsproxy.war}.
 */
class JettyHomeDeploymentIT
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private DemoBackend backend;
    private JettyHomeProcess jetty;
    private ExecutorService clientExecutor;
    private HttpClient client;

    @BeforeEach
    void startBackend() throws Exception
    {
        backend = new DemoBackend();
        backend.start(0);
        // Our own executor, so the client's threads end with the test.
        clientExecutor = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().executor(clientExecutor).connectTimeout(TIMEOUT).build();
    }

    @AfterEach
    void stopAll() throws Exception
    {
        try
        {
            if (jetty != null)
                jetty.close();
        }
        finally
        {
            backend.stop();
            clientExecutor.shutdownNow();
            clientExecutor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void webSocketEchoThroughProxy() throws Exception
    {
        int port = startJetty(base());

        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket;
        try
        {
            webSocket = client.newWebSocketBuilder()
                .connectTimeout(TIMEOUT)
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/echo"), listener)
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (ExecutionException x)
        {
            // The JDK only gives the status: the reason is in the proxy's log.
            String failure = x.getCause() instanceof WebSocketHandshakeException handshake
                ? "HTTP " + handshake.getResponse().statusCode() : String.valueOf(x.getCause());
            throw new AssertionError(withLog("WebSocket handshake through the proxy failed: " + failure), x);
        }

        webSocket.sendText("hello through wsproxy", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("hello through wsproxy", listener.nextText(TIMEOUT));

        byte[] bytes = {0, 1, 2, (byte)0xFE, (byte)0xFF};
        webSocket.sendBinary(ByteBuffer.wrap(bytes), true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertArrayEquals(bytes, listener.nextBinary(TIMEOUT));

        // The close code and reason travel to the backend and its answer travels back.
        webSocket.sendClose(4001, "bye").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("4001 bye", listener.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void chatBroadcastThroughProxy() throws Exception
    {
        int port = startJetty(base());
        URI chat = URI.create("ws://127.0.0.1:" + port + "/ws/chat");

        JdkWebSocketRecorder alice = new JdkWebSocketRecorder();
        WebSocket aliceSocket = client.newWebSocketBuilder().buildAsync(chat, alice).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        alice.await(message -> message.contains("joined"), TIMEOUT);
        JdkWebSocketRecorder bob = new JdkWebSocketRecorder();
        WebSocket bobSocket = client.newWebSocketBuilder().buildAsync(chat, bob).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        bob.await(message -> message.contains("joined"), TIMEOUT);

        // Sent by one client, broadcast by the backend, delivered to the other: both directions, both hops.
        bobSocket.sendText("hello alice", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(alice.await(message -> message.endsWith(": hello alice"), TIMEOUT).startsWith("guest-"));

        aliceSocket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        bobSocket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void httpThroughProxy() throws Exception
    {
        int port = startJetty(base());

        HttpResponse<String> page = get(port, "/");
        assertEquals(200, page.statusCode(), () -> withLog(page.body()));
        assertTrue(page.body().contains("<title>wsproxy demo</title>"), page::body);

        HttpResponse<String> time = get(port, "/api/time");
        assertEquals(200, time.statusCode(), () -> withLog(time.body()));
        assertTrue(time.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), time.headers()::toString);
        assertTrue(time.body().contains("\"server\":\"wsproxy-demo-backend\""), time::body);
    }

    @Test
    void badParameterFailsTheDeploymentAndSaysWhy() throws Exception
    {
        Path base = base();
        JettyBases.addContextParam(base, "wsproxy.route.ws.connectTimeout", "-5s");
        int port = startJetty(base);

        // Jetty itself is up; the context is not.
        HttpResponse<String> response = get(port, "/");
        assertTrue(response.statusCode() == 503 || response.statusCode() == 404,
            () -> withLog("Expected 503 or 404 from Jetty, got " + response.statusCode() + "\n" + response.body()));

        List<String> lines = jetty.logLines();
        assertTrue(lines.stream().anyMatch(line -> line.contains("wsproxy.route.ws.connectTimeout") && line.contains("-5s")),
            () -> withLog("No log line names the parameter and its value."));
    }

    /** A copy of the committed jetty-base/ whose routes point at this test's backend. */
    private Path base() throws Exception
    {
        Path source = Path.of(JettyHomeProcess.requiredProperty("jetty.base.src"));
        Path base = JettyBases.copy(source, tmp.resolve("jetty-base"));
        JettyBases.pointBackendsAt(base, "http://127.0.0.1:" + backend.getPort());
        // With ${jetty.base}/work present Jetty unpacks the WAR there, inside the temporary directory,
        // so nothing is left in java.io.tmpdir even if the process has to be killed.
        Files.createDirectories(base.resolve("work"));
        return base;
    }

    private int startJetty(Path base) throws Exception
    {
        Path jettyHome = Path.of(JettyHomeProcess.requiredProperty("jetty.home"));
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        if (!Files.isRegularFile(war))
            fail(war + " does not exist: run `mvn verify`, which packages it before the integration tests");
        jetty = JettyHomeProcess.start(jettyHome, base, "jetty.http.port=0", "wsproxy.war=" + war);
        int port = jetty.awaitPort(START_TIMEOUT);
        System.out.printf("jetty-home started in %d ms (launch to its Started-Server line; Jetty reports @%d ms since its JVM started)%n",
            jetty.startTime().toMillis(), jetty.jvmStartMillis());
        return port;
    }

    private HttpResponse<String> get(int port, String path) throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(TIMEOUT).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private String withLog(String message)
    {
        return message + "\n--- jetty-home log ---\n" + jetty.log();
    }
}
