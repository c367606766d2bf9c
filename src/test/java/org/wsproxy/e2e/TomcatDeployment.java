package org.wsproxy.e2e;

import java.net.ServerSocket;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one built WAR in a stock Tomcat (a distribution the build unpacks: {@link Tomcat101DeploymentIT},
 * {@link Tomcat11DeploymentIT}), deployed as README's
 * "Hosts" says: HTTP (a plain GET, a streamed response), WebSocket (text, binary, messages in parts, the backend's
 * subprotocol, a backend's ping answered by the client, close codes both ways, a backend that drops its connection),
 * a dead backend (502 for both), and a client that reads nothing while the backend floods: the backend is held back,
 * the proxy buffers no more than a bounded amount. One Tomcat start for all. Before org.wsproxy.tomcat, the
 * deployment failed with HostCheck's one-line refusal of Tomcat.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TomcatDeployment
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private TestBackend backend;
    private TomcatProcess tomcat;
    private ExecutorService clientExecutor;
    private HttpClient client;
    private int port;

    /** The system property (set by failsafe) naming the unpacked Tomcat. */
    abstract String homeProperty();

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception
    {
        backend = new TestBackend("tomcat-it").start();
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0))
        {
            deadPort = socket.getLocalPort();
        }
        Path home = Path.of(JettyHomeProcess.requiredProperty(homeProperty()));
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        if (!Files.isRegularFile(war))
            fail(war + " does not exist: run `mvn verify`, which packages it before the integration tests");
        Map<String, String> params = new LinkedHashMap<>();
        params.put("wsproxy.routes", "all, dead");
        params.put("wsproxy.route.all.path", "/");
        params.put("wsproxy.route.all.backends", backend.url());
        params.put("wsproxy.route.dead.path", "/dead");
        params.put("wsproxy.route.dead.backends", "http://127.0.0.1:" + deadPort);
        tomcat = TomcatProcess.start(home, tmp.resolve("base"), war, params);
        port = tomcat.awaitPort(START_TIMEOUT);
        clientExecutor = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().executor(clientExecutor).connectTimeout(TIMEOUT).build();
    }

    @AfterAll
    void stopAll() throws Exception
    {
        try
        {
            if (tomcat != null)
                tomcat.close();
        }
        finally
        {
            if (backend != null)
                backend.stop();
            if (clientExecutor != null)
            {
                clientExecutor.shutdownNow();
                clientExecutor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    @Test
    void deployedWithoutErrors()
    {
        assertTrue(tomcat.logLines().stream().anyMatch(line -> line.contains("wsproxy route all: /")), tomcat::log);
        assertTrue(tomcat.logLines().stream().noneMatch(line -> line.contains("SEVERE") || line.contains("ERROR")), tomcat::log);
    }

    @Test
    void httpGetAndAStreamedResponse() throws Exception
    {
        HttpResponse<String> echo = get("/http/echo?x=1");
        assertEquals(200, echo.statusCode(), () -> echo.body() + "\n" + tomcat.log());
        assertTrue(echo.body().contains("backend=tomcat-it") && echo.body().contains("GET /http/echo?x=1"), echo::body);

        HttpResponse<String> stream = get("/http/stream?n=3&ms=100");
        assertEquals(200, stream.statusCode());
        assertEquals("text/event-stream", stream.headers().firstValue("Content-Type").orElse(""));
        assertEquals("data: event 0\n\ndata: event 1\n\ndata: event 2\n\n", stream.body());
    }

    @Test
    void webSocketTextBinaryPartsAndSubprotocol() throws Exception
    {
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/ws/echo", listener, "v2.tomcat");
        assertEquals("v2.tomcat", webSocket.getSubprotocol());

        send(webSocket.sendText("hello through Tomcat", true));
        assertEquals("hello through Tomcat", listener.nextText(TIMEOUT));
        byte[] bytes = {0, 1, 2, (byte)0xFE, (byte)0xFF};
        send(webSocket.sendBinary(ByteBuffer.wrap(bytes), true));
        assertArrayEquals(bytes, listener.nextBinary(TIMEOUT));

        // Larger than Tomcat's 8 KiB buffers, sent in parts, characters outside the BMP cut across them.
        String text = "é€😀 ".repeat(20_000);
        // The client's own cut must not split a pair (the JDK's client refuses that); Tomcat's cut it anywhere.
        int cut = text.length() / 3;
        if (Character.isHighSurrogate(text.charAt(cut - 1)))
            cut++;
        send(webSocket.sendText(text.substring(0, cut), false));
        send(webSocket.sendText(text.substring(cut), true));
        assertEquals(text, listener.nextText(TIMEOUT));
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.length; i++)
            big[i] = (byte)(i % 251);
        send(webSocket.sendBinary(ByteBuffer.wrap(big, 0, 100_000), false));
        send(webSocket.sendBinary(ByteBuffer.wrap(big, 100_000, 200_000), true));
        assertArrayEquals(big, listener.nextBinary(TIMEOUT));

        // The backend's ping reaches the client, whose pong reaches the backend (which says so in a text).
        send(webSocket.sendText("ping:abc", true));
        assertEquals("pong:abc", listener.nextText(TIMEOUT));

        send(webSocket.sendClose(WebSocket.NORMAL_CLOSURE, ""));
        assertEquals("1000 ", listener.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void closeCodesBothWays() throws Exception
    {
        // The backend's code and reason reach the client.
        JdkWebSocketRecorder fromBackend = new JdkWebSocketRecorder();
        WebSocket first = connect("/ws/echo", fromBackend);
        send(first.sendText("close:4007:backend says bye", true));
        assertEquals("4007 backend says bye", fromBackend.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));

        // The client's reach the backend.
        JdkWebSocketRecorder fromClient = new JdkWebSocketRecorder();
        WebSocket second = connect("/ws/echo", fromClient);
        send(second.sendClose(4001, "client says bye"));
        assertEquals("4001 client says bye", fromClient.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        awaitBackendClose("4001 client says bye");

        // A backend that vanishes without a close frame: the client gets 1014.
        JdkWebSocketRecorder dropped = new JdkWebSocketRecorder();
        WebSocket third = connect("/ws/echo", dropped);
        send(third.sendText("drop", true));
        assertTrue(dropped.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).startsWith("1014 "), () -> dropped.closed.getNow("?"));
    }

    @Test
    void deadBackendIs502ForBoth() throws Exception
    {
        HttpResponse<String> http = get("/dead/page");
        assertEquals(502, http.statusCode(), http::body);

        ExecutionException x = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
            () -> connect("/dead/ws", new JdkWebSocketRecorder()));
        WebSocketHandshakeException refused = assertInstanceOf(WebSocketHandshakeException.class, x.getCause());
        assertEquals(502, refused.getResponse().statusCode());
    }

    @Test
    void aClientThatReadsNothingHoldsTheBackendBack() throws Exception
    {
        long total = 256L << 20;
        org.eclipse.jetty.websocket.client.WebSocketClient jetty = new org.eclipse.jetty.websocket.client.WebSocketClient();
        jetty.start();
        try
        {
            org.wsproxy.websocket.BackpressureTest.SlowReader reader = new org.wsproxy.websocket.BackpressureTest.SlowReader();
            jetty.connect(reader, URI.create("ws://127.0.0.1:" + port + "/ws/flood?bytes=" + total + "&chunk=65536"))
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            // Until the backend's sends stall: then only socket buffers and one frame per hop are in between.
            long sent = awaitStable(() -> backend.floodSent.get(), Duration.ofSeconds(3), Duration.ofSeconds(60));
            System.out.printf("Tomcat, stalled client: the backend sent %.1f MiB of %d MiB%n", sent / 1048576.0, total >> 20);
            assertTrue(sent < total / 4, () -> "the backend was not held back: it sent " + sent + " bytes to a client that read none");

            // Then everything arrives, in order.
            reader.resume();
            assertEquals("done", reader.done.get(120, TimeUnit.SECONDS));
            assertEquals(total, reader.received.get());
            assertEquals(0, reader.corrupt.get());
        }
        finally
        {
            jetty.stop();
        }
    }

    @Test
    void aBackendThatReadsNothingHoldsTheClientBack() throws Exception
    {
        // The echo backend reads a frame only once its echo is written, and this client reads no echo: once the
        // buffers on the way are full, the proxy must stop reading the client (Tomcat's suspend), not queue its frames.
        long limit = 256L << 20;
        org.eclipse.jetty.websocket.client.WebSocketClient jetty = new org.eclipse.jetty.websocket.client.WebSocketClient();
        jetty.start();
        try
        {
            Unread unread = new Unread();
            jetty.connect(unread, URI.create("ws://127.0.0.1:" + port + "/ws/echo")).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            org.eclipse.jetty.websocket.api.Session session = unread.opened.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            byte[] chunk = new byte[65536];
            long sent = 0;
            while (sent < limit)
            {
                java.util.concurrent.CompletableFuture<Void> written = new java.util.concurrent.CompletableFuture<>();
                session.sendBinary(ByteBuffer.wrap(chunk), org.eclipse.jetty.websocket.api.Callback.from(() -> written.complete(null), written::completeExceptionally));
                try
                {
                    written.get(5, TimeUnit.SECONDS);
                }
                catch (java.util.concurrent.TimeoutException x)
                {
                    break;
                }
                sent += chunk.length;
            }
            long total = sent;
            System.out.printf("Tomcat, stalled backend: the client sent %.1f MiB before its sends stalled%n", total / 1048576.0);
            assertTrue(total < limit / 4, () -> "the client was not held back: it sent " + total + " bytes");
        }
        finally
        {
            jetty.stop();
        }
    }

    /** A client that reads nothing: it never demands. (Public: Jetty's client calls it through a public lookup.) */
    public static final class Unread implements org.eclipse.jetty.websocket.api.Session.Listener
    {
        final java.util.concurrent.CompletableFuture<org.eclipse.jetty.websocket.api.Session> opened = new java.util.concurrent.CompletableFuture<>();

        @Override
        public void onWebSocketOpen(org.eclipse.jetty.websocket.api.Session session)
        {
            opened.complete(session);
        }
    }

    /** The backend's sessions close in any order (the other tests' too): the one expected among them. */
    private void awaitBackendClose(String expected) throws InterruptedException
    {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        java.util.List<String> seen = new java.util.ArrayList<>();
        while (System.nanoTime() < deadline)
        {
            String close = backend.closes.poll(100, TimeUnit.MILLISECONDS);
            if (expected.equals(close))
                return;
            if (close != null)
                seen.add(close);
        }
        fail("the backend saw no close " + expected + "; it saw " + seen);
    }

    private static long awaitStable(java.util.function.LongSupplier value, Duration still, Duration bound) throws InterruptedException
    {
        long deadline = System.nanoTime() + bound.toNanos();
        long last = value.getAsLong();
        long since = System.nanoTime();
        while (System.nanoTime() < deadline)
        {
            Thread.sleep(200);
            long now = value.getAsLong();
            if (now != last)
            {
                last = now;
                since = System.nanoTime();
            }
            else if (last > 0 && System.nanoTime() - since >= still.toNanos())
                return last;
        }
        throw new AssertionError("still changing after " + bound.toSeconds() + " s: " + last);
    }

    private HttpResponse<String> get(String path) throws Exception
    {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private WebSocket connect(String path, WebSocket.Listener listener, String... subProtocols) throws Exception
    {
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(TIMEOUT);
        if (subProtocols.length > 0)
            builder.subprotocols(subProtocols[0], java.util.Arrays.copyOfRange(subProtocols, 1, subProtocols.length));
        return builder.buildAsync(URI.create("ws://127.0.0.1:" + port + path), listener).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void send(java.util.concurrent.CompletableFuture<WebSocket> sending) throws Exception
    {
        sending.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
