package org.wsproxy.upstream;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Named pools through the real webapp: one pool shared by a WebSocket route and an HTTP route, backups,
 * weights, and the per-endpoint counters the data path reports (live sessions, requests in flight).
 */
public class PoolsThroughTheProxyTest
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

    private Session open(ProxyServer proxy, String path, Recorder recorder) throws Exception
    {
        return client.connect(recorder, URI.create(proxy.wsUrl(path))).get(10, TimeUnit.SECONDS);
    }

    private String httpBackend(ProxyServer proxy, String path) throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl(path))).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.headers().firstValue("X-Backend").orElse("?");
    }

    private static Endpoint endpoint(Pool pool, TestBackend backend)
    {
        return pool.endpoints().stream().filter(e -> e.uri().getPort() == backend.port()).findFirst().orElseThrow();
    }

    @Test
    public void oneNamedPoolServesWebSocketAndHttpRoutesWithSharedCounters() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        ProxyServer proxy = start(new ProxyServer()
            .pool("chat", b1.url() + ", " + b2.url())
            .poolRoute("ws", "/ws/", "chat")
            .poolRoute("api", "/http/", "chat"));
        Pool pool = proxy.pools().get("chat");

        List<Session> sessions = new ArrayList<>();
        List<Recorder> recorders = new ArrayList<>();
        Map<String, Integer> served = new HashMap<>();
        for (int i = 0; i < 4; i++)
        {
            Recorder recorder = new Recorder();
            Session session = open(proxy, "/ws/echo", recorder);
            sessions.add(session);
            recorders.add(recorder);
            served.merge(session.getUpgradeResponse().getHeader("X-Backend"), 1, Integer::sum);
        }
        assertEquals(Map.of("b1", 2, "b2", 2), served);
        assertEquals(2, endpoint(pool, b1).sessions());
        assertEquals(2, endpoint(pool, b2).sessions());

        // The HTTP route takes its turns from the same pool: it goes on where the WebSocket route left off.
        assertEquals(List.of("b1", "b2", "b1"), List.of(httpBackend(proxy, "/http/echo"), httpBackend(proxy, "/http/echo"), httpBackend(proxy, "/http/echo")));

        for (int i = 0; i < sessions.size(); i++)
        {
            sessions.get(i).close();
            recorders.get(i).awaitClose();
        }
        TestBackend.awaitTrue(() -> endpoint(pool, b1).load() == 0 && endpoint(pool, b2).load() == 0, 10_000);
        assertEquals(4, endpoint(pool, b1).served() + endpoint(pool, b2).served() - 3);
    }

    @Test
    public void requestInFlightIsCountedUntilItsResponseEnds() throws Exception
    {
        TestBackend b1 = backend("b1");
        ProxyServer proxy = start(new ProxyServer().pool("web", b1.url()).poolRoute("app", "/", "web"));
        Endpoint endpoint = endpoint(proxy.pools().get("web"), b1);
        CompletableFuture<HttpResponse<String>> slow = http.sendAsync(
            HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/slow?ms=1500"))).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
        TestBackend.awaitTrue(() -> endpoint.requests() == 1, 10_000);
        assertEquals(200, slow.get(20, TimeUnit.SECONDS).statusCode());
        TestBackend.awaitTrue(() -> endpoint.requests() == 0, 10_000);
        assertEquals(1, endpoint.served());
    }

    @Test
    public void backupServesOnlyWhileThePrimaryIsDrained() throws Exception
    {
        TestBackend primary = backend("primary");
        TestBackend spare = backend("spare");
        ProxyServer proxy = start(new ProxyServer().pool("web", primary.url() + ", " + spare.url() + " backup").poolRoute("app", "/", "web"));
        for (int i = 0; i < 4; i++)
            assertEquals("primary", httpBackend(proxy, "/http/echo"));
        proxy.pools().get("web").update(org.wsproxy.config.Params.backends("test", primary.url() + " drain, " + spare.url() + " backup"));
        for (int i = 0; i < 4; i++)
            assertEquals("spare", httpBackend(proxy, "/http/echo"));
        Recorder recorder = new Recorder();
        Session session = open(proxy, "/ws/echo", recorder);
        assertEquals("spare", session.getUpgradeResponse().getHeader("X-Backend"));
        session.close();
        recorder.awaitClose();
    }

    @Test
    public void everyBackendDrainedGives503OnBothPaths() throws Exception
    {
        TestBackend b1 = backend("b1");
        ProxyServer proxy = start(new ProxyServer().pool("web", b1.url() + " drain").poolRoute("app", "/", "web"));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo"))).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(503, response.statusCode());
        var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
            () -> client.connect(new Recorder(), URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS));
        assertTrue(failure.getCause() instanceof org.eclipse.jetty.websocket.api.exceptions.UpgradeException, failure.toString());
        assertEquals(503, ((org.eclipse.jetty.websocket.api.exceptions.UpgradeException)failure.getCause()).getResponseStatusCode());
        assertTrue(b1.handshakes.isEmpty());
    }

    @Test
    public void roundRobinOver100SessionsIsEvenWithinOne() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        TestBackend b3 = backend("b3");
        ProxyServer proxy = start(new ProxyServer().pool("chat", b1.url() + " " + b2.url() + " " + b3.url()).poolRoute("ws", "/", "chat"));
        Map<String, Integer> served = new HashMap<>();
        for (int i = 0; i < 100; i++)
        {
            Recorder recorder = new Recorder();
            Session session = open(proxy, "/ws/echo", recorder);
            served.merge(session.getUpgradeResponse().getHeader("X-Backend"), 1, Integer::sum);
            session.close();
            recorder.awaitClose();
        }
        System.out.println("round-robin, 100 WebSocket sessions over 3 backends: " + served);
        for (String name : List.of("b1", "b2", "b3"))
            assertTrue(Math.abs(served.getOrDefault(name, 0) - 100 / 3.0) <= 1, served.toString());
    }

    @Test
    public void leastConnectionsSendsNewSessionsWhereTheLoadIsLeast() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        ProxyServer proxy = start(new ProxyServer().pool("chat", b1.url() + " " + b2.url())
            .param("wsproxy.pool.chat.balancer", "least-connections").poolRoute("ws", "/", "chat"));
        Pool pool = proxy.pools().get("chat");
        Map<String, List<Session>> byBackend = new HashMap<>();
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            Recorder recorder = new Recorder();
            recorders.add(recorder);
            Session session = open(proxy, "/ws/echo", recorder);
            byBackend.computeIfAbsent(session.getUpgradeResponse().getHeader("X-Backend"), k -> new ArrayList<>()).add(session);
        }
        assertEquals(3, byBackend.get("b1").size());
        assertEquals(3, byBackend.get("b2").size());
        // b1's sessions end: the next three go to b1, which now has the least load.
        for (Session session : byBackend.get("b1"))
            session.close();
        TestBackend.awaitTrue(() -> endpoint(pool, b1).sessions() == 0, 10_000);
        for (int i = 0; i < 3; i++)
        {
            Recorder recorder = new Recorder();
            recorders.add(recorder);
            Session session = open(proxy, "/ws/echo", recorder);
            assertEquals("b1", session.getUpgradeResponse().getHeader("X-Backend"));
            byBackend.get("b2").add(session);
        }
        for (Session session : byBackend.get("b2"))
            session.close();
        TestBackend.awaitTrue(() -> endpoint(pool, b1).load() + endpoint(pool, b2).load() == 0, 10_000);
    }

    /**
     * ip-hash behind a trusted balancer hashes the client named in X-Forwarded-For, so clients are spread and
     * each stays on one backend; from an untrusted peer the header is ignored (it could be forged).
     */
    @Test
    public void ipHashHashesTheClientBehindATrustedProxy() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        TestBackend b3 = backend("b3");
        String backends = b1.url() + " " + b2.url() + " " + b3.url();
        ProxyServer trusting = start(new ProxyServer().pool("chat", backends)
            .param("wsproxy.pool.chat.balancer", "ip-hash").param("wsproxy.trustedProxies", "127.0.0.1").poolRoute("ws", "/", "chat"));
        ProxyServer untrusting = start(new ProxyServer().pool("chat", backends)
            .param("wsproxy.pool.chat.balancer", "ip-hash").poolRoute("ws", "/", "chat"));
        Map<String, Integer> spread = new HashMap<>();
        java.util.Set<String> untrusted = new java.util.HashSet<>();
        for (int client = 1; client <= 12; client++)
        {
            // The client as a balancer in front would report it: the client first, then a trusted hop.
            String forwardedFor = "203.0.113." + client + ", 127.0.0.1";
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++)
                seen.add(backendOf(trusting, forwardedFor));
            assertEquals(1, seen.size(), forwardedFor + " went to " + seen);
            spread.merge(seen.iterator().next(), 1, Integer::sum);
            untrusted.add(backendOf(untrusting, forwardedFor));
        }
        assertTrue(spread.size() >= 2, "12 clients all on one backend: " + spread);
        assertEquals(1, untrusted.size(), "an untrusted X-Forwarded-For moved the hash: " + untrusted);
    }

    private String backendOf(ProxyServer proxy, String forwardedFor) throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo")))
            .header("X-Forwarded-For", forwardedFor).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.headers().firstValue("X-Backend").orElse("?");
    }

    @Test
    public void headerHashKeepsAKeyOnOneBackendOverHttpAndWebSocket() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        TestBackend b3 = backend("b3");
        ProxyServer proxy = start(new ProxyServer().pool("chat", b1.url() + " " + b2.url() + " " + b3.url())
            .param("wsproxy.pool.chat.balancer", "header:X-User").poolRoute("ws", "/", "chat"));
        Map<String, Integer> spread = new HashMap<>();
        for (int user = 0; user < 12; user++)
        {
            String key = "user-" + user;
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++)
            {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo")))
                    .header("X-User", key).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                seen.add(response.headers().firstValue("X-Backend").orElse("?"));
            }
            org.eclipse.jetty.websocket.client.ClientUpgradeRequest upgrade = new org.eclipse.jetty.websocket.client.ClientUpgradeRequest();
            upgrade.setHeader("X-User", key);
            Recorder recorder = new Recorder();
            Session session = client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo")), upgrade).get(10, TimeUnit.SECONDS);
            seen.add(session.getUpgradeResponse().getHeader("X-Backend"));
            session.close();
            recorder.awaitClose();
            assertEquals(1, seen.size(), key + " went to " + seen);
            spread.merge(seen.iterator().next(), 1, Integer::sum);
        }
        assertTrue(spread.size() >= 2, "12 keys all on one backend: " + spread);
    }
}
