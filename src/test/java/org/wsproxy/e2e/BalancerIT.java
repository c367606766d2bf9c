package org.wsproxy.e2e;

import java.io.IOException;
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
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.demo.JettyBases;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two wsproxy instances (the built WAR, each in its own jetty-home with a copy of jetty-base) behind HAProxy in TCP
 * mode, configured as README "Several instances behind a balancer" says: the same {@code wsproxy.stickySecret} and
 * the same pools file, HAProxy's health check on the readiness path.
 * <ol>
 * <li>Socket.IO clients (Node) that connected through instance A and come back through instance B, with the sticky
 * cookie A gave them, reach the same Socket.IO server, polling and WebSocket alike.</li>
 * <li>A rolling restart (drain A through its admin endpoint, HAProxy marks it down, its sessions get 1001 and come
 * back through B, stop it, start it, HAProxy marks it up; then B) under a steady load of HTTP GETs and WebSocket
 * handshakes through HAProxy: no request and no handshake fails, and every long-lived session closed by a drain gets
 * 1001 and reconnects.</li>
 * </ol>
 * <p>{@code -Dbalancer.it.secret.b=other} gives instance B another secret: A's cookies are then worthless on B,
 * which balances those clients afresh, and test 1 fails.
 * {@code -Dbalancer.it.notice=0s} runs it with the drain refusing new requests at once (no {@code drainNotice}):
 * the requests that reach the draining instance before HAProxy marks it down, or on connections kept alive to it,
 * get 503, and the test fails.</p>
 * <p>Needs haproxy (skipped without it, failed on CI, where {@code .ci/run} installs it), node and npm (as
 * {@link SocketIoTest}).</p>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BalancerIT
{
    private static final String SECRET = "BalancerIT-shared-sticky-secret-0123456789";
    private static final String TOKEN = "BalancerIT-admin-token-0123456789";
    private static final String[] NAMES = {"a", "b"};
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration JETTY_START = Duration.ofSeconds(90);
    private static final int LIVE_SESSIONS = 6;
    private static final Pattern LIVE = Pattern.compile("websocket relays live=(\\d+)");
    private static final Pattern CLIENT = Pattern.compile("CLIENT (\\d+) first=(\\S*) next=(\\S*) transports=(\\S*) cookie=(\\S+) error=(\\S+)");

    // Static: JUnit fills instance fields only before each test, and the instances start before all of them.
    @TempDir
    static Path tmp;

    private final Deque<Process> nodes = new ArrayDeque<>();
    private final JettyHomeProcess[] jetty = new JettyHomeProcess[2];
    private final Path[] bases = new Path[2];
    private final int[] ports = new int[2];
    private final StringBuilder stoppedLogs = new StringBuilder();
    private Path socketIo;
    private TestBackend backend;
    private HaproxyProcess haproxy;
    private int front;
    private ExecutorService executor;
    private HttpClient client;

    @BeforeAll
    void start() throws Exception
    {
        HaproxyProcess.executable();
        socketIo = SocketIoTest.prepare();
        int io1 = SocketIoTest.startServer(socketIo, "b1", nodes);
        int io2 = SocketIoTest.startServer(socketIo, "b2", nodes);
        backend = new TestBackend("java").start();
        executor = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor).connectTimeout(TIMEOUT).build();

        int[] free = freePorts(4);
        ports[0] = free[0];
        ports[1] = free[1];
        front = free[2];
        int stats = free[3];

        // The pools file both instances read: the Socket.IO pool's second server is only in it, so an instance that
        // did not read it would send no one to b2.
        Path pools = Files.createDirectories(tmp.resolve("shared")).resolve("wsproxy-pools.properties");
        Files.writeString(pools, "wsproxy.pool.io.backends = http://127.0.0.1:" + io1 + ", http://127.0.0.1:" + io2 + "\n");
        Map<String, String> params = new LinkedHashMap<>();
        params.put("wsproxy.routes", "io, ws, app");
        params.put("wsproxy.pools", "io");
        params.put("wsproxy.pool.io.backends", "http://127.0.0.1:" + io1);
        params.put("wsproxy.pool.io.stickyCookie", "WSPROXY_IO");
        params.put("wsproxy.route.io.path", "/socket.io/");
        params.put("wsproxy.route.io.pool", "io");
        params.put("wsproxy.route.ws.path", "/ws/");
        params.put("wsproxy.route.ws.backends", backend.url());
        params.put("wsproxy.route.app.path", "/");
        params.put("wsproxy.route.app.backends", backend.url());
        params.put("wsproxy.stickySecret", SECRET);
        params.put("wsproxy.poolsFile", pools.toString());
        params.put("wsproxy.readinessPath", "/_wsproxy/ready");
        params.put("wsproxy.admin.path", "/_wsproxy/pools");
        params.put("wsproxy.admin.token", TOKEN);
        // Longer than HAProxy takes to mark a draining instance down (inter 250ms x fall 2), with room for a loaded machine,
        // and than Jetty's idle timeout for HTTP connections (4 s, startJetty): a connection kept alive to the instance is
        // used during the notice (and closed after that answer) or closed idle by Jetty before the notice ends.
        params.put("wsproxy.drainNotice", System.getProperty("balancer.it.notice", "5s"));
        params.put("wsproxy.drainTimeout", "6s");
        params.put("wsproxy.drainSpread", "1s");
        for (int i = 0; i < 2; i++)
        {
            bases[i] = JettyBases.copy(Path.of(JettyHomeProcess.requiredProperty("jetty.base.src")), tmp.resolve("jetty-base-" + NAMES[i]));
            // -Dbalancer.it.secret.b=X gives b a secret of its own: a's cookies are then worthless on b, and test 1 fails.
            if (i == 1)
                params.put("wsproxy.stickySecret", System.getProperty("balancer.it.secret.b", SECRET));
            writeOverride(bases[i], params);
        }
        for (int i = 0; i < 2; i++)
            jetty[i] = startJetty(i);
        for (int i = 0; i < 2; i++)
            assertEquals(ports[i], jetty[i].awaitPort(JETTY_START));

        Path config = tmp.resolve("haproxy.cfg");
        Files.writeString(config, haproxyConfig(front, stats, ports[0], ports[1]));
        haproxy = HaproxyProcess.start(config, tmp.resolve("haproxy.log"), stats);
        for (String name : NAMES)
            haproxy.awaitStatus("wsproxy", name, "UP", TIMEOUT);
    }

    @AfterAll
    void stop() throws Exception
    {
        // Every step, whatever failed before it: the balancer first, so that nothing new reaches the instances.
        List<Exception> failures = new ArrayList<>();
        run(failures, () -> { if (haproxy != null) haproxy.close(); });
        run(failures, () -> { if (jetty[0] != null) jetty[0].close(); });
        run(failures, () -> { if (jetty[1] != null) jetty[1].close(); });
        run(failures, () -> { if (backend != null) backend.stop(); });
        run(failures, this::stopNodes);
        run(failures, () ->
        {
            if (executor != null)
            {
                executor.shutdownNow();
                executor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
        if (!failures.isEmpty())
            throw failures.get(0);
    }

    private interface Step
    {
        void run() throws Exception;
    }

    private static void run(List<Exception> failures, Step step)
    {
        try
        {
            step.run();
        }
        catch (Exception x)
        {
            failures.add(x);
        }
    }

    private void stopNodes() throws Exception
    {
        while (!nodes.isEmpty())
        {
            Process process = nodes.pop();
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Ports free a moment ago (HAProxy's configuration needs them before anything binds them). */
    private static int[] freePorts(int count) throws IOException
    {
        List<ServerSocket> sockets = new ArrayList<>();
        try
        {
            for (int i = 0; i < count; i++)
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        }
        finally
        {
            for (ServerSocket socket : sockets)
                socket.close();
        }
    }

    private static void writeOverride(Path base, Map<String, String> params) throws IOException
    {
        StringBuilder xml = new StringBuilder("""
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                     xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
                     version="6.0">
            """);
        params.forEach((name, value) -> xml.append("  <context-param><param-name>").append(name).append("</param-name><param-value>")
            .append(value).append("</param-value></context-param>\n"));
        xml.append("</web-app>\n");
        Files.writeString(base.resolve(JettyBases.OVERRIDE), xml, StandardCharsets.UTF_8);
    }

    /** What README "Several instances behind a balancer" shows, with the test's ports and a faster health check. */
    private static String haproxyConfig(int front, int stats, int portA, int portB)
    {
        return """
            global
                maxconn 4096

            defaults
                mode tcp
                timeout connect 5s
                timeout client 1h
                timeout server 1h
                timeout check 2s
                retries 3
                option redispatch

            frontend wsproxy
                bind 127.0.0.1:%d
                default_backend wsproxy

            backend wsproxy
                balance roundrobin
                option httpchk
                http-check send meth GET uri /_wsproxy/ready ver HTTP/1.1 hdr Host wsproxy
                http-check expect status 200
                default-server inter 250ms fall 2 rise 2
                server a 127.0.0.1:%d check
                server b 127.0.0.1:%d check

            listen stats
                mode http
                bind 127.0.0.1:%d
                stats enable
                stats uri /stats
            """.formatted(front, portA, portB, stats);
    }

    private JettyHomeProcess startJetty(int i) throws IOException
    {
        return JettyHomeProcess.start(Path.of(System.getProperty("java.home")), Path.of(JettyHomeProcess.requiredProperty("jetty.home")), bases[i],
            false, "jetty.http.port=" + ports[i], "jetty.http.idleTimeout=4000", "wsproxy.war=" + JettyHomeProcess.requiredProperty("wsproxy.war"));
    }

    /** Jetty's logs so far, the stopped instances' included, for failure messages. */
    private String logs()
    {
        return stoppedLogs + "\n--- a ---\n" + jetty[0].log() + "\n--- b ---\n" + jetty[1].log() + "\n--- haproxy ---\n" + haproxy.output();
    }

    /** The admin endpoint of instance i, asked directly (not through HAProxy), on a connection closed after it. */
    private RawHttp.Response admin(int i, String method, String query) throws IOException
    {
        return RawHttp.exchange(ports[i], method + " /_wsproxy/pools" + query + " HTTP/1.1", "Host: 127.0.0.1",
            "Authorization: Bearer " + TOKEN, "Content-Length: 0", "Connection: close");
    }

    private int liveRelays(int i) throws IOException
    {
        RawHttp.Response state = admin(i, "GET", "");
        Matcher matcher = LIVE.matcher(state.body());
        assertTrue(matcher.find(), state.body());
        return Integer.parseInt(matcher.group(1));
    }

    // ---- 1. Socket.IO stickiness across instances ----

    @Test
    @Order(1)
    void socketIoClientsComingBackThroughTheOtherInstanceReachTheSameServer() throws Exception
    {
        int count = 8;
        Process process = new ProcessBuilder("node", "rejoin.js", "http://127.0.0.1:" + ports[0] + "/", "http://127.0.0.1:" + ports[1] + "/",
            Integer.toString(count)).directory(socketIo.toFile()).redirectErrorStream(true).start();
        String output;
        try
        {
            CompletableFuture<String> text = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                }
                catch (IOException x)
                {
                    return x.toString();
                }
            }, executor);
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "the Socket.IO clients did not finish");
            output = text.get(10, TimeUnit.SECONDS);
        }
        finally
        {
            process.destroyForcibly();
        }
        Set<String> servers = new HashSet<>();
        int clients = 0;
        for (String line : output.split("\n"))
        {
            Matcher m = CLIENT.matcher(line.trim());
            if (!m.matches())
                continue;
            clients++;
            assertEquals("none", m.group(6), line);
            assertEquals("WSPROXY_IO", m.group(5), "the first instance set no sticky cookie: " + line);
            List<String> first = List.of(m.group(2).split(","));
            List<String> next = List.of(m.group(3).split(","));
            assertEquals(2, first.size(), line);
            assertEquals(2, next.size(), line);
            // Before and after the upgrade, through A and then through B: one server.
            assertEquals(1, Set.copyOf(first).size(), line);
            assertEquals(first, next, "a client came back through B to another server than it had through A: " + line);
            // Each connection started with long-polling (Socket.IO's default) and was on WebSocket for its second answer.
            List<String> transports = List.of(m.group(4).split(","));
            assertEquals(4, transports.size(), line);
            assertEquals("websocket", transports.get(1), line);
            assertEquals("websocket", transports.get(3), line);
            servers.add(first.get(0));
        }
        assertEquals(count, clients, output);
        // Both servers are used: b2 is only in the shared pools file, so both instances read it.
        assertEquals(Set.of("b1", "b2"), servers, output);
        System.out.println("BalancerIT: " + count + " Socket.IO clients through A then B, each on one server:\n" + output.trim());
    }

    // ---- 2. Rolling restart under load ----

    @Test
    @Order(2)
    void rollingRestartUnderLoadLosesNoRequestAndNoHandshake() throws Exception
    {
        URI ws = URI.create("ws://127.0.0.1:" + front + "/ws/echo");
        Reconnects reconnects = new Reconnects();
        List<LiveSession> live = new ArrayList<>();
        // Opened one after the other with nothing else going through HAProxy: round-robin puts half on each instance.
        for (int i = 0; i < LIVE_SESSIONS; i++)
            live.add(LiveSession.open(client, ws, i, reconnects));
        int onA = liveRelays(0);
        int onB = liveRelays(1);
        assertEquals(LIVE_SESSIONS, onA + onB, "live sessions on a and b");

        Load load = new Load(client, front, executor);
        load.start();
        try
        {
            // Rolling a: its sessions come back through b. Rolling b: all of them (those moved from a too) come back through a.
            roll(0, onA, reconnects, load);
            roll(1, onA + LIVE_SESSIONS, reconnects, load);
        }
        finally
        {
            load.stop();
        }

        System.out.println("BalancerIT: " + load + "; sessions closed by a drain and reconnected: " + reconnects);
        assertEquals(List.of(), load.failures(), () -> "requests or handshakes failed during the rolling restart\n" + logs());
        assertTrue(load.httpOk.get() > 0 && load.handshakesOk.get() > 0, load.toString());
        assertEquals(List.of(), List.copyOf(reconnects.unexpected), "closes other than the drain's 1001, or failed reconnects");
        assertEquals(onA + LIVE_SESSIONS, reconnects.goingAway.get(), "sessions closed with 1001 by the two drains");
        assertEquals(java.util.Map.of(org.wsproxy.boot.GracefulDrain.REASON, onA + LIVE_SESSIONS), reconnects.reasons,
            "every drained session told why (the relay once sent 'Connection Idle Timeout' to a hop quiet for over 5 s)");
        assertEquals(onA + LIVE_SESSIONS, reconnects.reconnected.get(), "sessions reconnected");
        for (LiveSession session : live)
            session.echo("still here " + session.id);
        for (LiveSession session : live)
            session.close();
    }

    /**
     * The rolling-restart step for instance i, as README says: drain it through its admin endpoint, wait for HAProxy to
     * mark it down and for its sessions to have moved, stop it (SIGTERM), start it again, wait for HAProxy to mark it up.
     */
    private void roll(int i, int expectedGoingAway, Reconnects reconnects, Load load) throws Exception
    {
        String name = NAMES[i];
        long began = System.nanoTime();
        assertEquals(202, admin(i, "POST", "?action=drain").status());
        haproxy.awaitStatus("wsproxy", name, "DOWN", TIMEOUT);
        long down = System.nanoTime();
        // Its sessions get 1001 after drainTimeout (6 s), over drainSpread (1 s), and reconnect through the other instance.
        awaitTrue(() -> reconnects.goingAway.get() == expectedGoingAway && reconnects.reconnected.get() == expectedGoingAway, TIMEOUT,
            () -> "sessions closed by the drain of " + name + ": " + reconnects + "\n" + logs());
        awaitTrue(() -> jetty[i].log().contains("wsproxy: drained"), TIMEOUT, () -> name + " did not finish its drain:\n" + jetty[i].log());
        assertEquals(0, liveRelays(i));

        // SIGTERM to its JVM, as an operator or an orchestrator stops it; the drain is over, so the stop is quick.
        long servedBeforeStop = load.httpOk.get();
        ProcessHandle server = ProcessHandle.of(jetty[i].serverPid()).orElseThrow();
        jetty[i].close();
        // The JVM that ran Jetty has exited (its port is free again), not only start.jar.
        server.onExit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        stoppedLogs.append("\n--- ").append(name).append(" (stopped) ---\n").append(jetty[i].log());
        jetty[i] = startJetty(i);
        assertEquals(ports[i], jetty[i].awaitPort(JETTY_START));
        haproxy.awaitStatus("wsproxy", name, "UP", TIMEOUT);
        long up = System.nanoTime();
        assertTrue(load.httpOk.get() > servedBeforeStop, "no request was served while " + name + " restarted");
        System.out.printf("BalancerIT: %s drained, marked down by HAProxy %d ms after the drain call, restarted and up again %d ms later%n",
            name, TimeUnit.NANOSECONDS.toMillis(down - began), TimeUnit.NANOSECONDS.toMillis(up - down));
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> message)
        throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
                fail("not within " + timeout.toSeconds() + " s: " + message.get());
            Thread.sleep(20);
        }
    }

    /** What happened to the long-lived sessions: 1001s from a drain, reconnects, and anything else (a failure). */
    private static final class Reconnects
    {
        final AtomicInteger goingAway = new AtomicInteger();
        final AtomicInteger reconnected = new AtomicInteger();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        final java.util.concurrent.ConcurrentMap<String, Integer> reasons = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public String toString()
        {
            return "1001=" + goingAway + " " + reasons + " reconnected=" + reconnected + " unexpected=" + unexpected;
        }
    }

    /**
     * A WebSocket session through HAProxy that lives across the restarts: closed with 1001 by a drain, it connects again
     * through HAProxy at once, as a client library does.
     */
    private static final class LiveSession implements WebSocket.Listener
    {
        private final HttpClient client;
        private final URI uri;
        private final int id;
        private final Reconnects reconnects;
        private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        private final StringBuilder parts = new StringBuilder();
        private volatile WebSocket webSocket;
        private volatile boolean closing;

        private LiveSession(HttpClient client, URI uri, int id, Reconnects reconnects)
        {
            this.client = client;
            this.uri = uri;
            this.id = id;
            this.reconnects = reconnects;
        }

        static LiveSession open(HttpClient client, URI uri, int id, Reconnects reconnects) throws Exception
        {
            LiveSession session = new LiveSession(client, uri, id, reconnects);
            session.webSocket = session.connect().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            session.echo("hello " + id);
            return session;
        }

        private CompletableFuture<WebSocket> connect()
        {
            return client.newWebSocketBuilder().connectTimeout(TIMEOUT).buildAsync(uri, this);
        }

        void echo(String text) throws Exception
        {
            webSocket.sendText(text, true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(text, texts.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "session " + id);
        }

        void close() throws Exception
        {
            closing = true;
            webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last)
        {
            parts.append(data);
            if (last)
            {
                texts.add(parts.toString());
                parts.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket closed, int statusCode, String reason)
        {
            if (closing)
                return null;
            if (statusCode != 1001)
            {
                reconnects.unexpected.add("session " + id + " closed with " + statusCode + " " + reason);
                return null;
            }
            // Counted, and asserted once the drains are over: every one must be the drain's GracefulDrain.REASON.
            reconnects.reasons.merge(reason, 1, Integer::sum);
            reconnects.goingAway.incrementAndGet();
            connect().whenComplete((next, failure) ->
            {
                if (failure != null)
                {
                    reconnects.unexpected.add("session " + id + " did not reconnect: " + failure);
                    return;
                }
                webSocket = next;
                reconnects.reconnected.incrementAndGet();
            });
            return null;
        }

        @Override
        public void onError(WebSocket failed, Throwable error)
        {
            if (!closing)
                reconnects.unexpected.add("session " + id + " failed: " + error);
        }
    }

    /**
     * The steady load through HAProxy: HTTP GETs on kept-alive connections (two workers) and WebSocket handshakes, each
     * on a new connection, echoing once and closing (two workers); a short pause between iterations keeps the load
     * modest on a shared machine. Every failure is kept with what it was.
     */
    private static final class Load
    {
        private static final int HTTP_WORKERS = 2;
        private static final int HANDSHAKE_WORKERS = 2;

        final AtomicLong httpOk = new AtomicLong();
        final AtomicLong handshakesOk = new AtomicLong();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final HttpClient client;
        private final int port;
        private final ExecutorService executor;
        private final List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
        private volatile boolean running = true;

        Load(HttpClient client, int port, ExecutorService executor)
        {
            this.client = client;
            this.port = port;
            this.executor = executor;
        }

        void start()
        {
            for (int i = 0; i < HTTP_WORKERS; i++)
            {
                int worker = i;
                workers.add(executor.submit(() -> http(worker)));
            }
            for (int i = 0; i < HANDSHAKE_WORKERS; i++)
            {
                int worker = i;
                workers.add(executor.submit(() -> handshakes(worker)));
            }
        }

        void stop() throws Exception
        {
            running = false;
            for (java.util.concurrent.Future<?> worker : workers)
                worker.get(TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        }

        List<String> failures()
        {
            return List.copyOf(failures);
        }

        private void http(int worker)
        {
            for (long n = 0; running; n++)
            {
                String path = "/http/load?worker=" + worker + "&n=" + n;
                try
                {
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200 && response.body().startsWith("backend=java\nGET " + path + "\n"))
                        httpOk.incrementAndGet();
                    else
                        failures.add("GET " + path + ": " + response.statusCode() + " " + response.body().lines().findFirst().orElse(""));
                }
                catch (Exception x)
                {
                    failures.add("GET " + path + ": " + x);
                }
                pause();
            }
        }

        private void handshakes(int worker)
        {
            URI uri = URI.create("ws://127.0.0.1:" + port + "/ws/echo?worker=" + worker);
            for (long n = 0; running; n++)
            {
                JdkWebSocketRecorder recorder = new JdkWebSocketRecorder();
                try
                {
                    WebSocket webSocket = client.newWebSocketBuilder().connectTimeout(TIMEOUT).buildAsync(uri, recorder)
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    handshakesOk.incrementAndGet();
                    webSocket.sendText("n=" + n, true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    String echo = echoOrClose(recorder);
                    if (echo == null)
                    {
                        // A drain may close this session with 1001 between its handshake and its echo: that is the drain's
                        // answer (the next iteration connects again), not a failure; any other outcome is.
                        String closed = closeOf(recorder);
                        if (!closed.startsWith("1001 "))
                            failures.add("WebSocket " + uri + " n=" + n + ": no echo, closed " + closed);
                        continue;
                    }
                    if (!echo.equals("n=" + n))
                        failures.add("WebSocket " + uri + " n=" + n + ": echo " + echo);
                    webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    recorder.closed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
                catch (Exception x)
                {
                    failures.add("WebSocket " + uri + " n=" + n + ": " + x);
                }
                pause();
            }
        }

        /** The echo, or null once the session is closed without one; bounded by {@link #TIMEOUT}. */
        private static String echoOrClose(JdkWebSocketRecorder recorder) throws InterruptedException
        {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() - deadline < 0)
            {
                String text = recorder.nextText(Duration.ofMillis(50));
                if (text != null)
                    return text;
                if (recorder.closed.isDone())
                    return recorder.nextText(Duration.ZERO);
            }
            return null;
        }

        private static String closeOf(JdkWebSocketRecorder recorder)
        {
            try
            {
                return recorder.closed.getNow("still open");
            }
            catch (RuntimeException x)
            {
                return "failed: " + x.getCause();
            }
        }

        private void pause()
        {
            try
            {
                Thread.sleep(5);
            }
            catch (InterruptedException x)
            {
                running = false;
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString()
        {
            return "HTTP GETs ok=" + httpOk + ", WebSocket handshakes ok=" + handshakesOk + ", failures=" + failures.size();
        }
    }
}
