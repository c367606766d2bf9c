package org.wsproxy.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.testing.GatedHttpBackend;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.RawHttpBackend;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The one built WAR in every host it serves ({@link ServletHost}: jetty-home 12.1.12 in ee10 and ee11, 12.0.30 in ee10,
 * Tomcat 10.1 and 11), each started once, through the same cases: WebSocket (text and binary fragments, messages in
 * parts larger than the buffers on the way, pings and pongs both ways, close codes and reasons both ways, a close
 * without a code and a dropped backend, a subprotocol, a message size limit, keepalive pings, backpressure both ways),
 * HTTP (a GET, a request body streamed to the backend, a streamed response), and what the client gets when the backend
 * fails: its own 502 and 504 passed on, an upgrade it answers 502 or 503, a backend that never answers (504), and a
 * dead one (502). Where README's "On Tomcat 10.1 and 11" table says a behaviour differs, the case checks the
 * documented form on that host ({@link ServletHost#relaysClientPings()} and the others); no case is left out anywhere.
 * Each host is started while the one before it runs its cases ({@link Deployment}); {@code -Dhosts=TOMCAT_11,...}
 * picks some hosts only.
 * <p>Before host/JettyApi and the version-neutral RelayConnection and RequestBody, 12.0.30 refused the WAR
 * (boot/HostCheck), and without that refusal failed with a NoSuchMethodError; before the change to
 * webapps/wsproxy.xml, jetty-base/ deployed nothing there ("No resourceBase or war set for context"); before
 * org.wsproxy.tomcat, Tomcat refused it.</p>
 */
class HostsIT
{
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** What the backend floods at a client that stops reading; the proxy must not take it all in. */
    private static final long FLOOD = 96L << 20;
    /** The most a client may send to a backend that reads nothing before the test gives up on its being held back. */
    private static final long CLIENT_FLOOD_LIMIT = 256L << 20;
    /** A send not completed for this long is taken as stalled (a loaded machine only makes the count smaller). */
    private static final Duration STALLED = Duration.ofSeconds(1);
    /** The routes every host gets; the first two are the ones jetty-base/ has. */
    private static final String ROUTES = "ws, app, limited, keepalive, status, refuses, silent, dead";
    private static final String UPGRADE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    @TempDir
    Path tmp;

    // The host whose cases run, with backends of its own (those of its Deployment).
    private TestBackend backend;
    private GatedHttpBackend http;
    /** Answers given statuses with given bodies, byte for byte (routes status and refuses). */
    private RawHttpBackend statuses;
    /** Accepts connections and answers nothing (route silent). */
    private RawHttpBackend silent;
    private ServletHost.Started server;
    private ExecutorService clientExecutor;
    private HttpClient client;
    private int port;
    private Deployment current;
    /**
     * Each host's deployment, started in this order: the next host is started while the current one's cases run (its
     * start, mostly the server's, is most of the time a host takes), one start at a time.
     */
    private final Map<ServletHost, CompletableFuture<Deployment>> deployments = new java.util.EnumMap<>(ServletHost.class);
    private final ExecutorService starter = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "hosts-starter"));

    @AfterEach
    void stopWhateverIsLeft() throws Exception
    {
        starter.shutdown();
        Exception failure = null;
        for (CompletableFuture<Deployment> deployment : deployments.values())
        {
            try
            {
                // Started or failed by then (each start is bounded); a failed one stopped what it had started.
                Deployment started = deployment.exceptionally(x -> null).get(5, TimeUnit.MINUTES);
                if (started != null)
                    started.close();
            }
            catch (Exception x)
            {
                if (failure == null)
                    failure = x;
                else
                    failure.addSuppressed(x);
            }
        }
        starter.awaitTermination(1, TimeUnit.MINUTES);
        if (failure != null)
            throw failure;
    }

    @TestFactory
    Stream<DynamicContainer> sameCasesOnEveryHost()
    {
        return Arrays.stream(ServletHost.values()).filter(HostsIT::selected).map(host -> DynamicContainer.dynamicContainer(host.name(), Stream.of(
            DynamicTest.dynamicTest("deploys", () -> start(host)),
            relayCase(host, "text and binary fragments", () -> textAndBinaryFragments(host)),
            relayCase(host, "messages in parts larger than the buffers on the way", this::messagesInLargeParts),
            relayCase(host, "pings and pongs both ways", () -> pingsAndPongsBothWays(host)),
            relayCase(host, "close codes and reasons both ways, a close without a code, a dropped backend", () -> closes(host)),
            relayCase(host, "subprotocol", this::subprotocol),
            relayCase(host, "message size limit", this::messageSizeLimit),
            relayCase(host, "keepalive pings", this::keepalivePings),
            relayCase(host, "backpressure: a client that reads nothing holds the backend back", () -> slowClientHoldsTheBackendBack(host)),
            relayCase(host, "backpressure: a backend that reads nothing holds the client back", () -> slowBackendHoldsTheClientBack(host)),
            relayCase(host, "HTTP GET", this::httpGet),
            relayCase(host, "HTTP request body streamed to the backend", this::requestBodyStreamedToTheBackend),
            relayCase(host, "HTTP streamed response", this::streamedResponse),
            relayCase(host, "the backend's own 502 and 504 pass through", this::backendStatusesPassThrough),
            relayCase(host, "an upgrade the backend answers 502 or 503", this::upgradeRefusedByTheBackend),
            relayCase(host, "a backend that never answers: 504", this::silentBackendTimesOut),
            relayCase(host, "a dead backend: 502", this::deadBackend),
            DynamicTest.dynamicTest("stops, with no error in its log", () -> stop(host)))));
    }

    /** Every host, or those named in the system property {@code hosts} (e.g. {@code -Dhosts=TOMCAT_11,JETTY_120_EE10}). */
    private static boolean selected(ServletHost host)
    {
        String only = System.getProperty("hosts", "").strip();
        return only.isEmpty() || Arrays.asList(only.split("\\s*,\\s*")).contains(host.name());
    }

    /**
     * A case on the host started by the container's first test; not run if that failed. A failure names the host and
     * the case (the reports name dynamic tests by number only).
     */
    private DynamicTest relayCase(ServletHost host, String name, Executable body)
    {
        return DynamicTest.dynamicTest(name, () ->
        {
            assumeTrue(server != null, "the host did not start (see its \"deploys\")");
            try
            {
                body.execute();
            }
            catch (org.opentest4j.TestAbortedException skipped)
            {
                throw skipped;
            }
            catch (AssertionError | Exception x)
            {
                throw new AssertionError(host + ", " + name + ": " + x, x);
            }
        });
    }

    /** Takes the host's deployment (started now, or already while the last host's cases ran), and starts the next's. */
    private void start(ServletHost host) throws Exception
    {
        Deployment deployment;
        try
        {
            deployment = deployment(host).get(5, TimeUnit.MINUTES);
        }
        catch (ExecutionException x)
        {
            if (x.getCause() instanceof Error error)
                throw error;
            throw x.getCause() instanceof Exception cause ? cause : x;
        }
        finally
        {
            Arrays.stream(ServletHost.values()).filter(HostsIT::selected).filter(next -> next.ordinal() > host.ordinal()).findFirst()
                .ifPresent(this::deployment);
        }
        current = deployment;
        backend = deployment.backend;
        http = deployment.http;
        statuses = deployment.statuses;
        silent = deployment.silent;
        server = deployment.server;
        clientExecutor = deployment.clientExecutor;
        client = deployment.client;
        port = server.port();
        assertTrue(server.logLines().stream().anyMatch(line -> line.contains("wsproxy route dead: /dead/")), server::log);
        assertTrue(server.logLines().stream().noneMatch(host::isBadLogLine), server::log);
    }

    private CompletableFuture<Deployment> deployment(ServletHost host)
    {
        return deployments.computeIfAbsent(host, h -> CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return Deployment.start(h, tmp.resolve(h.name()));
            }
            catch (Exception x)
            {
                throw new java.util.concurrent.CompletionException(x);
            }
        }, starter));
    }

    private void stop(ServletHost host) throws Exception
    {
        assumeTrue(server != null, "the host did not start");
        ServletHost.Started stopped = server;
        Deployment deployment = current;
        current = null;
        server = null;
        deployment.close();
        // The host is gone: nothing listens on its port any more.
        assertThrows(java.net.ConnectException.class, () -> new java.net.Socket("127.0.0.1", stopped.port()).close(),
            host + " still listens on " + stopped.port() + " after its stop");
        // After the stop, so that what the undeployment logged counts too.
        assertTrue(stopped.logLines().stream().noneMatch(host::isBadLogLine), stopped::log);
    }

    /** One host running the WAR, with its backends and a client of its own. */
    private static final class Deployment implements AutoCloseable
    {
        private final TestBackend backend = new TestBackend("hosts");
        private final GatedHttpBackend http = new GatedHttpBackend();
        private final RawHttpBackend statuses = new RawHttpBackend();
        private final RawHttpBackend silent = new RawHttpBackend();
        private final ExecutorService clientExecutor = Executors.newCachedThreadPool();
        private final HttpClient client = HttpClient.newBuilder().executor(clientExecutor).connectTimeout(TIMEOUT).build();
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        private ServletHost.Started server;

        /** Starts the backends, then the host; what was started is stopped again if anything fails. */
        static Deployment start(ServletHost host, Path dir) throws Exception
        {
            Deployment deployment = new Deployment();
            try
            {
                deployment.backend.start();
                deployment.http.start();
                deployment.statuses.start();
                deployment.silent.start();
                deployment.silent.silent = true;
                deployment.server = host.start(dir, deployment.contextParams());
                return deployment;
            }
            catch (Exception | Error x)
            {
                try
                {
                    deployment.close();
                }
                catch (Exception suppressed)
                {
                    x.addSuppressed(suppressed);
                }
                throw x;
            }
        }

        /** The same routes and settings on every host (routes ws and app are jetty-base/'s, the others added). */
        private Map<String, String> contextParams() throws IOException
        {
            Map<String, String> params = new LinkedHashMap<>();
            params.put("wsproxy.routes", ROUTES);
            route(params, "ws", "/ws/", backend.url());
            route(params, "app", "/", http.url());
            route(params, "limited", "/limited/", backend.url());
            params.put("wsproxy.route.limited.maxClientMessageSize", "1KiB");
            // Keepalive pings to a hop silent for half a second, on a route of its own: a client held back by backpressure
            // must not get one it cannot read (on Tomcat, a ping to it would wait in a blocking send).
            route(params, "keepalive", "/keepalive/", backend.url());
            params.put("wsproxy.route.keepalive.pingInterval", "500ms");
            route(params, "status", "/status/", statuses.url());
            route(params, "refuses", "/refuses/", statuses.url());
            route(params, "silent", "/silent/", silent.url());
            params.put("wsproxy.route.silent.readTimeout", "1s");
            params.put("wsproxy.route.silent.connectTimeout", "1s");
            route(params, "dead", "/dead/", "http://127.0.0.1:" + deadPort());
            // A session some case left open must not hold the stop for jetty-base/'s 30 s drain.
            params.put("wsproxy.drainTimeout", "1s");
            params.put("wsproxy.drainSpread", "0s");
            return params;
        }

        private static void route(Map<String, String> params, String name, String path, String backend)
        {
            params.put("wsproxy.route." + name + ".path", path);
            params.put("wsproxy.route." + name + ".backends", backend);
        }

        private static int deadPort() throws IOException
        {
            try (ServerSocket socket = new ServerSocket(0))
            {
                return socket.getLocalPort();
            }
        }

        /** Stops the host, then its backends and the client; each bounded, each attempted whatever the others did. */
        @Override
        public void close() throws Exception
        {
            if (!closed.compareAndSet(false, true))
                return;
            // The host is read before the field is cleared: a lambda reading the field stopped nothing, and every host
            // outlived the test run.
            ServletHost.Started host = server;
            server = null;
            List<Stop> stops = List.of(() -> close(host), backend::stop, http::stop, statuses::stop, silent::stop, () ->
            {
                clientExecutor.shutdownNow();
                clientExecutor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            });
            Exception failure = null;
            for (Stop stop : stops)
            {
                try
                {
                    stop.run();
                }
                catch (Exception x)
                {
                    if (failure == null)
                        failure = x;
                    else
                        failure.addSuppressed(x);
                }
            }
            if (failure != null)
                throw failure;
        }

        private static void close(AutoCloseable closeable) throws Exception
        {
            if (closeable != null)
                closeable.close();
        }

        private interface Stop
        {
            void run() throws Exception;
        }
    }

    private void textAndBinaryFragments(ServletHost host) throws Exception
    {
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/ws/echo", listener);
        send(webSocket.sendText("hello, ", false));
        send(webSocket.sendText("fragments", true));
        assertEquals("hello, fragments", listener.nextText(TIMEOUT));
        // The backend echoes binary frames as they come, fragments included.
        send(webSocket.sendBinary(ByteBuffer.wrap(new byte[]{0, 1, 2}), false));
        send(webSocket.sendBinary(ByteBuffer.wrap(new byte[]{(byte)0xFE, (byte)0xFF}), true));
        assertArrayEquals(new byte[]{0, 1, 2, (byte)0xFE, (byte)0xFF}, listener.nextBinary(TIMEOUT));
        List<Integer> parts = listener.binaryPartSizes.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        // Frame by frame both ways: the client's two frames reach the backend as two, whose echo comes back as two. On
        // Tomcat (README, row "frames from the client") the frames become message parts, which may be cut elsewhere: the
        // message's content, above, is what holds there.
        if (host.keepsClientFrames())
            assertEquals(List.of(3, 2), parts, "the binary message's parts as the client got them");
        close(webSocket, listener);
    }

    private void messagesInLargeParts() throws Exception
    {
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/ws/echo", listener);
        // Larger than Tomcat's 8 KiB buffers and the proxy's 64 KiB frames, sent in parts, characters outside the BMP cut
        // across Tomcat's parts (which the proxy re-encodes there).
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
        close(webSocket, listener);
    }

    private void pingsAndPongsBothWays(ServletHost host) throws Exception
    {
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/ws/echo", listener);
        // The client's ping is answered with its payload: by the backend where it is relayed, by Tomcat there.
        send(webSocket.sendPing(ByteBuffer.wrap("client ping".getBytes(StandardCharsets.UTF_8))));
        assertEquals("client ping", listener.pongs.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        // The backend's ping reaches the client, whose pong the backend reports back as a text.
        send(webSocket.sendText("ping:backend ping", true));
        assertEquals("pong:backend ping", listener.nextText(TIMEOUT));
        // By now the backend has read what the client sent before that text, the ping included where it was relayed.
        // README, row "pings from the client": on Tomcat the backend does not see them.
        assertEquals(host.relaysClientPings(), backend.pings.contains("client ping"), () -> "the backend's pings: " + backend.pings);
        close(webSocket, listener);
    }

    private void closes(ServletHost host) throws Exception
    {
        JdkWebSocketRecorder fromClient = new JdkWebSocketRecorder();
        WebSocket clientCloses = connect("/ws/echo", fromClient);
        send(clientCloses.sendClose(4001, "client bye"));
        // The backend gets the client's code and reason (among the closes of the other cases' sessions), and the
        // client's close is answered with the same.
        assertEquals("4001 client bye", next(backend.closes, "4001 client bye"));
        assertEquals("4001 client bye", fromClient.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));

        JdkWebSocketRecorder fromBackend = new JdkWebSocketRecorder();
        WebSocket backendCloses = connect("/ws/echo", fromBackend);
        send(backendCloses.sendText("close:4002:backend bye", true));
        assertEquals("4002 backend bye", fromBackend.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));

        // README, row "a close without a code (1005) from the backend": none to the client on Jetty (the JDK reports
        // 1005), 1000 on Tomcat.
        JdkWebSocketRecorder withoutCode = new JdkWebSocketRecorder();
        WebSocket noCode = connect("/ws/echo", withoutCode);
        send(noCode.sendText("close:1005:", true));
        assertEquals(host.closeCodeForBackendCloseWithoutCode() + " ", withoutCode.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));

        // A backend that vanishes without a close frame: the client gets 1014.
        JdkWebSocketRecorder dropped = new JdkWebSocketRecorder();
        WebSocket drops = connect("/ws/echo", dropped);
        send(drops.sendText("drop", true));
        String close = dropped.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(close.startsWith("1014 "), close);
    }

    private void subprotocol() throws Exception
    {
        // The backend accepts the first offered subprotocol starting with "v2"; the client sees the backend's choice.
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = client.newWebSocketBuilder().connectTimeout(TIMEOUT).subprotocols("v1.relay", "v2.relay")
            .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/echo"), listener)
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("v2.relay", webSocket.getSubprotocol());
        close(webSocket, listener);
    }

    private void messageSizeLimit() throws Exception
    {
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/limited/echo", listener);
        // Small enough to be sent whole before the proxy answers: websocket-core drops the connection once it has written a
        // 1009, and a client still writing would meet a reset rather than read it.
        send(webSocket.sendText("x".repeat(2048), true));
        assertEquals("1009 Message Too Big: over 1024 bytes", listener.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals("1001 Going Away: client message too big", next(backend.closes, "1001 Going Away: client message too big"));
    }

    private void keepalivePings() throws Exception
    {
        // Silent for half a second, the client's hop gets the proxy's ping (answered by the JDK; the pong is not relayed), and so
        // does the backend's.
        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = connect("/keepalive/echo", listener);
        assertEquals("wsproxy keepalive", listener.pings.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals("wsproxy keepalive", next(backend.pings, "wsproxy keepalive"));
        send(webSocket.sendText("still here", true));
        assertEquals("still here", listener.nextText(TIMEOUT));
        close(webSocket, listener);
    }

    private void slowClientHoldsTheBackendBack(ServletHost host) throws Exception
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
        System.out.printf("%s, stalled client: the backend sent %.1f MiB of %d MiB%n", host, sentWhileStalled / 1048576.0, FLOOD >> 20);
        // Without backpressure the proxy would take in the whole flood. With it, what is on the way is the socket buffers'
        // worth, which Linux grows with traffic up to net.ipv4.tcp_rmem's maximum (32 MiB here): 8 to 31 MiB measured.
        assertTrue(sentWhileStalled < FLOOD / 2, "the backend was not held back: it sent " + sentWhileStalled);
        // Reading again, everything arrives, in order.
        webSocket.request(Long.MAX_VALUE);
        try
        {
            assertEquals("done", reader.done.get(120, TimeUnit.SECONDS));
        }
        catch (TimeoutException x)
        {
            throw new AssertionError("the flood did not end within 120 s once the client read again: the client got " + reader.received +
                " bytes, the backend sent " + backend.floodSent + "\n" + log(), x);
        }
        assertEquals(FLOOD, reader.received.get());
        assertEquals(0, reader.corrupt.get());
        send(webSocket.sendClose(WebSocket.NORMAL_CLOSURE, ""));
    }

    private void slowBackendHoldsTheClientBack(ServletHost host) throws Exception
    {
        // The echo backend reads a frame only once its echo is written, and this client reads no echo: once the buffers
        // on the way are full, the proxy must stop reading the client (on Tomcat, its suspend), not queue its frames.
        WebSocket webSocket = connect("/ws/echo", new WebSocket.Listener()
        {
            @Override
            public void onOpen(WebSocket webSocket)
            {
                // No request: this client reads nothing.
            }
        });
        try
        {
            byte[] chunk = new byte[65536];
            long sent = 0;
            while (sent < CLIENT_FLOOD_LIMIT)
            {
                try
                {
                    webSocket.sendBinary(ByteBuffer.wrap(chunk), true).get(STALLED.toMillis(), TimeUnit.MILLISECONDS);
                }
                catch (TimeoutException x)
                {
                    break;
                }
                sent += chunk.length;
            }
            long total = sent;
            System.out.printf("%s, stalled backend: the client sent %.1f MiB before its sends stalled%n", host, total / 1048576.0);
            assertTrue(total < CLIENT_FLOOD_LIMIT / 4, () -> "the client was not held back: it sent " + total + " bytes");
        }
        finally
        {
            // A send is still pending: no close can follow it.
            webSocket.abort();
        }
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
        assertEquals("text/event-stream", response.headers().firstValue("Content-Type").orElse(""));
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8)))
        {
            // The backend holds its second event until the first has reached the client: streamed, not buffered.
            assertEquals("data: event 0", lines.readLine());
            http.releaseEvents();
            assertEquals("", lines.readLine());
            assertEquals("data: event 1", lines.readLine());
        }
    }

    private void backendStatusesPassThrough() throws Exception
    {
        // A backend's own error is an answer like any other (README, "HTTP"): status, headers and body as it sent them,
        // not the proxy's "502 Bad Gateway" text; and it is no failure of the backend's (no retry, no ejection).
        for (int status : new int[]{502, 504})
        {
            String body = "the backend's own " + status + " page\n";
            statuses.responsesByPath.put("/status/" + status, RawHttpBackend.raw("HTTP/1.1 " + status + " From The Backend",
                "Content-Type: text/plain;charset=utf-8", "X-Backend-Status: " + status, "Content-Length: " + body.length(), "", body));
            HttpResponse<String> response = get("/status/" + status);
            assertEquals(status, response.statusCode(), this::log);
            assertEquals(body, response.body());
            assertEquals(Integer.toString(status), response.headers().firstValue("X-Backend-Status").orElse(null), response.headers()::toString);
        }
    }

    private void upgradeRefusedByTheBackend() throws Exception
    {
        // README, "WebSocket handshake": a backend that answers the upgrade with another status than 101 gives the
        // client that status, with the status and its name as the body (the backend's body is not passed on).
        for (int status : new int[]{502, 503})
        {
            String body = "the backend refuses the upgrade with " + status + "\n";
            statuses.responsesByPath.put("/refuses/" + status, RawHttpBackend.raw("HTTP/1.1 " + status + " Refused",
                "Content-Type: text/plain", "Content-Length: " + body.length(), "", body));
            RawHttp.Response refused = upgrade("/refuses/" + status);
            assertEquals(status, refused.status(), () -> refused + "\n" + log());
            assertEquals(status + " " + org.eclipse.jetty.http.HttpStatus.getMessage(status), refused.body().strip());
            // The backend's answer, not the proxy's own 502 for a backend it could not reach.
            assertTrue(statuses.heads.stream().anyMatch(head -> head.startsWith("GET /refuses/" + status + " ")), () -> "heads: " + statuses.heads);
        }
    }

    private void silentBackendTimesOut() throws Exception
    {
        // A backend that takes the connection and never answers: the request gets 504 once the route's readTimeout (1 s)
        // has passed, the upgrade once its connectTimeout (1 s) has (README, "HTTP" and "WebSocket handshake"). Both at
        // once, so the case waits for one timeout, not two.
        CompletableFuture<HttpResponse<String>> request = client.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/silent/page")).timeout(TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        CompletableFuture<RawHttp.Response> upgrade = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return upgrade("/silent/ws");
            }
            catch (IOException x)
            {
                throw new UncheckedIOException(x);
            }
        }, clientExecutor);
        HttpResponse<String> response = request.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(504, response.statusCode(), this::log);
        assertEquals("504 Gateway Timeout", response.body().strip());
        RawHttp.Response refused = upgrade.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(504, refused.status(), () -> refused + "\n" + log());
        assertEquals("504 Gateway Timeout", refused.body().strip());
        // Both reached the backend: a timeout, not a refused connection.
        assertTrue(silent.heads.stream().anyMatch(head -> head.startsWith("GET /silent/page ")), () -> "heads: " + silent.heads);
        assertTrue(silent.heads.stream().anyMatch(head -> head.startsWith("GET /silent/ws ")), () -> "heads: " + silent.heads);
    }

    private void deadBackend() throws Exception
    {
        ExecutionException refused = assertThrows(ExecutionException.class, () -> connect("/dead/ws", new JdkWebSocketRecorder()));
        WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class, refused.getCause(), refused::toString);
        assertEquals(502, handshake.getResponse().statusCode(), this::log);
        HttpResponse<String> page = get("/dead/page");
        assertEquals(502, page.statusCode(), this::log);
        assertEquals("502 Bad Gateway", page.body().strip());
    }

    private WebSocket connect(String path, WebSocket.Listener listener) throws Exception
    {
        return client.newWebSocketBuilder().connectTimeout(TIMEOUT)
            .buildAsync(URI.create("ws://127.0.0.1:" + port + path), listener)
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A WebSocket upgrade written by hand, so that a refusal's body can be read (the JDK's client drops it). */
    private RawHttp.Response upgrade(String path) throws IOException
    {
        return RawHttp.exchange(port, "GET " + path + " HTTP/1.1", "Host: 127.0.0.1:" + port, "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: " + UPGRADE_KEY, "Sec-WebSocket-Version: 13");
    }

    private static void send(CompletableFuture<WebSocket> sending) throws Exception
    {
        sending.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A normal close from the client, answered with the same. */
    private static void close(WebSocket webSocket, JdkWebSocketRecorder listener) throws Exception
    {
        send(webSocket.sendClose(WebSocket.NORMAL_CLOSURE, ""));
        assertEquals("1000 ", listener.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    }

    private HttpResponse<String> get(String path) throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(TIMEOUT).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The first of the items still to come that is {@code expected} (the queues also get other cases' items), or null. */
    private static String next(BlockingQueue<String> queue, String expected) throws InterruptedException
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
        ServletHost.Started running = server;
        return running == null ? "(no host running)" : "--- host log ---\n" + running.log();
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
