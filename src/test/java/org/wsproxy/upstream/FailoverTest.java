package org.wsproxy.upstream;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Passive health, failover and 503 through the real webapp: a dead backend is ejected and its sessions go
 * elsewhere without the client noticing; a handshake answered 503 is tried on another backend; tries are
 * bounded in number and time; with nothing eligible (down or draining) the answer is 503 with Retry-After,
 * at once; an ejected backend that comes back is used again once its ejection is over, and a pool whose
 * backends are all ejected keeps trying them, so a pool of one serves again as soon as its backend is back.
 */
public class FailoverTest
{
    private final Started started = new Started();
    private WebSocketClient client;
    private HttpClient http;

    @BeforeEach
    public void startClients() throws Exception
    {
        client = started.webSocketClient();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private TestBackend backend(String name) throws Exception
    {
        return started.backend(name);
    }

    private ProxyServer start(ProxyServer proxy) throws Exception
    {
        return started.proxy(proxy);
    }

    private static String deadUrl() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    private String backendOf(ProxyServer proxy, String path) throws Exception
    {
        Recorder recorder = new Recorder();
        Session session = client.connect(recorder, URI.create(proxy.wsUrl(path))).get(20, TimeUnit.SECONDS);
        String backend = session.getUpgradeResponse().getHeader("X-Backend");
        session.close();
        recorder.awaitClose();
        return backend;
    }

    private UpgradeException upgradeFailure(ProxyServer proxy, String path)
    {
        ExecutionException failure = assertThrows(ExecutionException.class,
            () -> client.connect(new Recorder(), URI.create(proxy.wsUrl(path))).get(30, TimeUnit.SECONDS));
        assertTrue(failure.getCause() instanceof UpgradeException, failure.toString());
        return (UpgradeException)failure.getCause();
    }

    private static Endpoint endpoint(ProxyServer proxy, String pool, int port)
    {
        return proxy.pools().get(pool).endpoints().stream().filter(e -> e.uri().getPort() == port).findFirst().orElseThrow();
    }

    @Test
    public void handshakeAnswered503IsTriedOnAnotherBackend() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        // b1 answers this path with 503 (an overloaded backend); the route maps /ws/ to it, b2 to its echo.
        ProxyServer proxy = start(new ProxyServer().route("main", "/ws/", b1.url() + "/ws/unavailable/ " + b2.url() + "/ws/echo/"));
        for (int i = 0; i < 4; i++)
            assertEquals("b2", backendOf(proxy, "/ws/x"));
        assertEquals(1, b1.handshakes.size());
        assertTrue(endpoint(proxy, "route:main", b1.port()).isEjected());
    }

    @Test
    public void triesAreBoundedByMaxAttempts() throws Exception
    {
        ProxyServer proxy = start(new ProxyServer().route("main", "/", deadUrl() + " " + deadUrl() + " " + deadUrl())
            .param("wsproxy.route.main.maxAttempts", "2"));
        assertEquals(502, upgradeFailure(proxy, "/ws/echo").getResponseStatusCode());
        long failures = proxy.pools().get("route:main").endpoints().stream().mapToLong(Endpoint::failures).sum();
        assertEquals(2, failures);
    }

    @Test
    public void triesAreBoundedByRetryTimeout() throws Exception
    {
        // Three backends that each take 3 s to answer a handshake; 1 s connect timeout, 1.5 s for all tries:
        // the first try times out at 1 s, the second gets the 0.5 s left, and there is no third.
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        TestBackend b3 = backend("b3");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", b1.url() + " " + b2.url() + " " + b3.url())
            .param("wsproxy.connectTimeout", "1s").param("wsproxy.retryTimeout", "1500ms"));
        assertEquals(504, upgradeFailure(proxy, "/ws/slow?ms=3000").getResponseStatusCode());
        TestBackend.awaitTrue(() -> b1.handshakes.size() + b2.handshakes.size() + b3.handshakes.size() >= 2, 10_000);
        Thread.sleep(500);
        assertEquals(2, b1.handshakes.size() + b2.handshakes.size() + b3.handshakes.size());
    }

    @Test
    public void nothingEligibleIs503WithRetryAfterOnBothPathsWithoutContactingBackends() throws Exception
    {
        // Marked down by active checks (a probe's word, unlike a passive ejection): no backend is eligible.
        TestBackend b1 = backend("b1");
        b1.healthStatus = 503;
        ProxyServer proxy = start(new ProxyServer().pool("web", b1.url()).poolRoute("main", "/", "web")
            .param("wsproxy.pool.web.healthCheck", "http").param("wsproxy.pool.web.healthCheckPath", "/health")
            .param("wsproxy.pool.web.healthCheckInterval", "100ms").param("wsproxy.pool.web.healthCheckFall", "1"));
        Endpoint e1 = endpoint(proxy, "web", b1.port());
        TestBackend.awaitTrue(() -> !e1.isUp(), 10_000);
        long start = System.nanoTime();
        UpgradeException refused = upgradeFailure(proxy, "/ws/echo");
        long wsMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(503, refused.getResponseStatusCode());
        start = System.nanoTime();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo"))).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
        long httpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(503, response.statusCode());
        long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 10, "Retry-After " + retryAfter);
        assertTrue(b1.handshakes.isEmpty());
        assertEquals(0, e1.served());
        System.out.printf("503 with nothing eligible: WebSocket upgrade answered in %d ms, HTTP in %d ms, Retry-After %d s%n", wsMillis, httpMillis, retryAfter);
    }

    private int httpStatus(ProxyServer proxy, String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl(path))).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private int upgradeStatus(ProxyServer proxy, String path) throws Exception
    {
        try
        {
            Recorder recorder = new Recorder();
            Session session = client.connect(recorder, URI.create(proxy.wsUrl(path))).get(20, TimeUnit.SECONDS);
            session.close();
            recorder.awaitClose();
            return 101;
        }
        catch (ExecutionException x)
        {
            if (x.getCause() instanceof UpgradeException upgrade)
                return upgrade.getResponseStatusCode();
            throw x;
        }
    }

    /**
     * A pool of one whose backend refuses one connection (stopped) and is back a second later, with the default
     * failTimeout (10 s): the request after it is back is served. Prints the first status after the backend
     * came back and how long until the first success (polling every 100 ms, at most 15 s).
     */
    private void poolOfOneServesAsSoonAsItsBackendIsBack(java.util.function.ToIntFunction<ProxyServer> status, int ok, String what) throws Exception
    {
        TestBackend b1 = backend("b1");
        int port = b1.port();
        ProxyServer proxy = start(new ProxyServer().route("main", "/", b1.url()));
        assertEquals(ok, status.applyAsInt(proxy));
        b1.stop();
        assertEquals(502, status.applyAsInt(proxy));
        Endpoint endpoint = endpoint(proxy, "route:main", port);
        assertTrue(endpoint.isEjected());
        Thread.sleep(1000);
        TestBackend back = new TestBackend("b1-again").start(port);
        started.push(back::stop);
        long backAt = System.nanoTime();
        int first = status.applyAsInt(proxy);
        int last = first;
        long deadline = backAt + TimeUnit.SECONDS.toNanos(15);
        while (last != ok && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(100);
            last = status.applyAsInt(proxy);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - backAt);
        System.out.printf("pool of one, %s: after one refused connection and the backend back 1 s later (failTimeout 10 s), the next %s got %d; first %d %d ms after it was back%n",
            what, what, first, ok, millis);
        assertEquals(ok, first);
    }

    @Test
    public void poolOfOneHttpRequestIsServedAsSoonAsItsBackendIsBack() throws Exception
    {
        poolOfOneServesAsSoonAsItsBackendIsBack(proxy -> unchecked(() -> httpStatus(proxy, "/http/echo")), 200, "HTTP request");
    }

    @Test
    public void poolOfOneUpgradeIsServedAsSoonAsItsBackendIsBack() throws Exception
    {
        poolOfOneServesAsSoonAsItsBackendIsBack(proxy -> unchecked(() -> upgradeStatus(proxy, "/ws/echo")), 101, "WebSocket upgrade");
    }

    private static int unchecked(java.util.concurrent.Callable<Integer> call)
    {
        try
        {
            return call.call();
        }
        catch (Exception x)
        {
            throw new AssertionError(x);
        }
    }

    @Test
    public void killedBackendIsEjectedAndUsedAgainAfterItsEjection() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        int port2 = b2.port();
        ProxyServer proxy = start(new ProxyServer().pool("chat", b1.url() + " " + b2.url())
            .param("wsproxy.pool.chat.failTimeout", "1s").poolRoute("ws", "/", "chat"));
        assertEquals("b1", backendOf(proxy, "/ws/echo"));
        assertEquals("b2", backendOf(proxy, "/ws/echo"));

        b2.stop();
        long killed = System.nanoTime();
        // Every session still succeeds: the one that meets the dead b2 is tried on b1.
        for (int i = 0; i < 6; i++)
            assertEquals("b1", backendOf(proxy, "/ws/echo"));
        Endpoint e2 = endpoint(proxy, "chat", port2);
        assertEquals(1, e2.failures());

        TestBackend back = new TestBackend("b2-again").start(port2);
        started.push(back::stop);
        TestBackend.awaitTrue(() -> !e2.isEjected(), 10_000);
        long seenAgain = 0;
        for (int i = 0; i < 20 && seenAgain == 0; i++)
        {
            if ("b2-again".equals(backendOf(proxy, "/ws/echo")))
                seenAgain = System.nanoTime();
        }
        assertTrue(seenAgain != 0, "b2 never used again");
        assertFalse(e2.isEjected());
        System.out.printf("killed backend: ejected after %d failed handshake(s), used again %d ms after the kill (failTimeout 1 s)%n",
            e2.failures(), TimeUnit.NANOSECONDS.toMillis(seenAgain - killed));
    }
}
