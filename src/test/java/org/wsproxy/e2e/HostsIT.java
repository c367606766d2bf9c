package org.wsproxy.e2e;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.wsproxy.demo.JettyBases;
import org.wsproxy.testing.GatedHttpBackend;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one built WAR in each host it serves, through the same relay cases: jetty-home 12.1.12 and 12.0.30 with the
 * project's jetty-base/ (ee10), and 12.1.12 with the ee11 twins of the modules (README, "Hosts"). One start per host;
 * the cases: text and binary fragments, pings and pongs both ways, a close code and reason both ways, a subprotocol,
 * a message size limit (1009), keepalive pings, backpressure (a client that stops reading holds the backend back), an HTTP GET, a request body streamed to the
 * backend, a streamed response (its first event reaches the client before the backend sends the second), and 502s
 * once the backends are gone. Before host/JettyApi and the version-neutral RelayConnection and RequestBody, 12.0.30
 * refused the WAR (boot/HostCheck), and without that refusal failed with a NoSuchMethodError; before the change to
 * webapps/wsproxy.xml, jetty-base/ deployed nothing there ("No resourceBase or war set for context").
 */
class HostsIT
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** What the backend floods at a client that stops reading; the proxy must not take it all in. */
    private static final long FLOOD = 96L << 20;
    /**
     * A limit on client messages, and keepalive pings to a hop silent for 1 s. The ping timeout is long: a client that
     * stops reading (the backpressure case) cannot get its ping, and must not be taken for lost while the case runs.
     */
    private static final Map<String, String> POLICY = Map.of(
        "wsproxy.maxClientMessageSize", "1KiB",
        "wsproxy.pingInterval", "1s",
        "wsproxy.pingTimeout", "60s");

    enum Host
    {
        JETTY_121_EE10("jetty.home", "ee10", true),
        JETTY_121_EE11("jetty.home", "ee11", false),
        JETTY_120_EE10("jetty.home.12.0", "ee10", true);

        /** The failsafe property naming the unpacked jetty-home. */
        final String home;
        final String environment;
        /** Whether the base is a copy of jetty-base/ (ee10 only), or MinimalBase. */
        final boolean jettyBase;

        Host(String home, String environment, boolean jettyBase)
        {
            this.home = home;
            this.environment = environment;
            this.jettyBase = jettyBase;
        }
    }

    @TempDir
    Path tmp;

    private TestBackend backend;
    private GatedHttpBackend http;
    private JettyHomeProcess jetty;
    private ExecutorService clientExecutor;
    private HttpClient client;
    private int port;

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
            if (backend != null)
                backend.stop();
            if (http != null)
                http.stop();
            if (clientExecutor != null)
            {
                clientExecutor.shutdownNow();
                clientExecutor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Host.class)
    void relayBehavioursHoldOn(Host host) throws Exception
    {
        backend = new TestBackend("hosts").start();
        http = new GatedHttpBackend().start();
        clientExecutor = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().executor(clientExecutor).connectTimeout(TIMEOUT).build();
        port = start(host);

        assertAll(host.name(),
            this::textAndBinaryFragments,
            this::pingsAndPongsBothWays,
            this::closeCodeAndReasonBothWays,
            this::subprotocol,
            this::messageSizeLimit,
            this::keepalivePings,
            this::slowReaderHoldsTheBackendBack,
            this::httpGet,
            this::requestBodyStreamedToTheBackend,
            this::streamedResponse);

        // Last: the backends go away, and the next upgrade and request get 502 (one failure each: under maxFails=1 the
        // one after would find no backend left, 503).
        backend.stop();
        ExecutionException refused = assertThrows(ExecutionException.class,
            () -> connect("/ws/echo", new JdkWebSocketRecorder()));
        WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class, refused.getCause(), refused::toString);
        assertEquals(502, handshake.getResponse().statusCode(), this::log);
        http.stop();
        assertEquals(502, get("/anything").statusCode(), this::log);
        assertTrue(jetty.logLines().stream().noneMatch(line -> line.contains("NoSuchMethodError") || line.contains("NoClassDefFoundError")
            || line.contains("IllegalAccessError") || line.contains("AbstractMethodError")), this::log);
    }

    private void textAndBinaryFragments() throws Exception
    {
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/ws/echo", listener);
        webSocket.sendText("hello, ", false).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        webSocket.sendText("fragments", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("hello, fragments", listener.nextText(TIMEOUT));
        // The backend echoes binary frames as they come, fragments included.
        webSocket.sendBinary(ByteBuffer.wrap(new byte[]{0, 1, 2}), false).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        webSocket.sendBinary(ByteBuffer.wrap(new byte[]{(byte)0xFE, (byte)0xFF}), true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertArrayEquals(new byte[]{0, 1, 2, (byte)0xFE, (byte)0xFF}, listener.nextBinary(TIMEOUT));
        webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        listener.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void pingsAndPongsBothWays() throws Exception
    {
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/ws/echo", listener);
        // The client's ping reaches the backend, and the backend's pong the client.
        webSocket.sendPing(ByteBuffer.wrap("client ping".getBytes(StandardCharsets.UTF_8))).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("client ping", next(backend.pings, "client ping"));
        assertEquals("client ping", listener.pongs.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        // The backend's ping reaches the client, whose pong the backend reports back as a text.
        webSocket.sendText("ping:backend ping", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("pong:backend ping", listener.nextText(TIMEOUT));
        webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        listener.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void closeCodeAndReasonBothWays() throws Exception
    {
        JdkWebSocketRecorder fromClient = new JdkWebSocketRecorder();
        WebSocket clientCloses = connect("/ws/echo", fromClient);
        clientCloses.sendClose(4001, "client bye").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        // The backend gets the client's code and reason (among the closes of the other cases' sessions), and its
        // answer (the same) travels back.
        assertEquals("4001 client bye", next(backend.closes, "4001 client bye"));
        assertEquals("4001 client bye", fromClient.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));

        JdkWebSocketRecorder fromBackend = new JdkWebSocketRecorder();
        WebSocket backendCloses = connect("/ws/echo", fromBackend);
        backendCloses.sendText("close:4002:backend bye", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("4002 backend bye", fromBackend.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    }

    private void subprotocol() throws Exception
    {
        // The backend accepts the first offered subprotocol starting with "v2"; the client sees the backend's choice.
        WebSocket webSocket = client.newWebSocketBuilder().connectTimeout(TIMEOUT).subprotocols("v2.relay", "v1.relay")
            .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/echo"), new JdkWebSocketRecorder())
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("v2.relay", webSocket.getSubprotocol());
        webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void messageSizeLimit() throws Exception
    {
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/ws/echo", listener);
        // Small enough to be sent whole before the proxy answers: websocket-core drops the connection once it has written a
        // 1009, and a client still writing would meet a reset rather than read it.
        webSocket.sendText("x".repeat(2048), true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("1009 Message Too Big: over 1024 bytes", listener.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals("1001 Going Away: client message too big", next(backend.closes, "1001 Going Away: client message too big"));
    }

    private void keepalivePings() throws Exception
    {
        // Silent for a second, the client's hop gets the proxy's ping (answered by the JDK; the pong is not relayed), and so
        // does the backend's.
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/ws/echo", listener);
        assertEquals("wsproxy keepalive", listener.pings.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals("wsproxy keepalive", next(backend.pings, "wsproxy keepalive"));
        webSocket.sendText("still here", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("still here", listener.nextText(TIMEOUT));
        webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("1000 ", listener.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    }

    private void slowReaderHoldsTheBackendBack() throws Exception
    {
        StalledReader reader = new StalledReader();
        WebSocket webSocket = connect("/ws/flood?bytes=" + FLOOD + "&chunk=65536", reader);
        // Until the backend can send no more: every buffer on the way is full (socket buffers, at most a frame in the proxy).
        long last = -1;
        for (int i = 0; i < 100 && backend.floodSent.get() != last; i++)
        {
            last = backend.floodSent.get();
            Thread.sleep(300);
        }
        long sentWhileStalled = backend.floodSent.get();
        System.out.printf("stalled: backend sent %.1f MiB of %d MiB%n", sentWhileStalled / 1048576.0, FLOOD >> 20);
        assertTrue(sentWhileStalled < FLOOD / 4, "the backend was not held back: it sent " + sentWhileStalled);
        // Reading again, everything arrives, in order.
        webSocket.request(Long.MAX_VALUE);
        assertEquals("done", reader.done.get(120, TimeUnit.SECONDS));
        assertEquals(FLOOD, reader.received.get());
        assertEquals(0, reader.corrupt.get());
        webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void httpGet() throws Exception
    {
        HttpResponse<String> page = get("/ws/page");
        assertEquals(200, page.statusCode(), this::log);
        assertTrue(page.body().startsWith("backend=hosts\nGET /ws/page\n"), page::body);
    }

    private void requestBodyStreamedToTheBackend() throws Exception
    {
        // Larger than the proxy's request buffer, so streamed (http/RequestBody).
        byte[] body = new byte[3 << 20];
        for (int i = 0; i < body.length; i++)
            body[i] = (byte)(i % 253);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload")).timeout(TIMEOUT)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, response.statusCode(), this::log);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        assertEquals("body-length=" + body.length + "\nbody-sha256=" + sha + "\n", response.body());
    }

    private void streamedResponse() throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events")).timeout(Duration.ofSeconds(30)).build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode(), this::log);
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8)))
        {
            // The backend holds its second event until the first has reached the client: streamed, not buffered.
            assertEquals("data: event 0", lines.readLine());
            http.releaseEvents();
            assertEquals("", lines.readLine());
            assertEquals("data: event 1", lines.readLine());
        }
    }

    private int start(Host host) throws Exception
    {
        Path home = Path.of(JettyHomeProcess.requiredProperty(host.home));
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        if (!Files.isRegularFile(war))
            fail(war + " does not exist: run `mvn verify`, which packages it before the integration tests");
        Path base;
        if (host.jettyBase)
        {
            base = JettyBases.copy(Path.of(JettyHomeProcess.requiredProperty("jetty.base.src")), tmp.resolve("jetty-base"));
            JettyBases.pointRouteAt(base, "ws", backend.url());
            JettyBases.pointRouteAt(base, "app", http.url());
            for (Map.Entry<String, String> param : POLICY.entrySet())
                JettyBases.addContextParam(base, param.getKey(), param.getValue());
            // The WAR is unpacked here, inside the temporary directory.
            Files.createDirectories(base.resolve("work"));
        }
        else
        {
            base = MinimalBase.create(tmp.resolve("base"), host.environment, war, Map.of("/ws/", backend.url(), "/", http.url()), POLICY);
        }
        jetty = JettyHomeProcess.start(home, base, "jetty.http.port=0", "wsproxy.war=" + war);
        return jetty.awaitPort(START_TIMEOUT);
    }

    private WebSocket connect(String path, WebSocket.Listener listener) throws Exception
    {
        return client.newWebSocketBuilder().connectTimeout(TIMEOUT)
            .buildAsync(URI.create("ws://127.0.0.1:" + port + path), listener)
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private HttpResponse<String> get(String path) throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(TIMEOUT).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The first of the items still to come that is {@code expected} (the queues also get other cases' items), or null. */
    private static String next(java.util.concurrent.BlockingQueue<String> queue, String expected) throws InterruptedException
    {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String item;
        do
        {
            item = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        while (item != null && !item.equals(expected));
        return item;
    }

    private String log()
    {
        return "--- jetty-home log ---\n" + jetty.log();
    }

    /** Takes the first frame of the flood, then nothing until the test asks for more; checks the bytes' pattern. */
    private static final class StalledReader implements WebSocket.Listener
    {
        final CompletableFuture<String> done = new CompletableFuture<>();
        final AtomicLong received = new AtomicLong();
        final AtomicLong corrupt = new AtomicLong();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last)
        {
            // TestBackend.Flood fills byte n of the flood with n % 251.
            long offset = received.get();
            int length = data.remaining();
            for (int i = 0; i < length; i++)
            {
                if (data.get() != (byte)((offset + i) % 251))
                    corrupt.incrementAndGet();
            }
            received.set(offset + length);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last)
        {
            text.append(data);
            if (last)
                done.complete(text.toString());
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error)
        {
            done.completeExceptionally(error);
        }
    }
}
