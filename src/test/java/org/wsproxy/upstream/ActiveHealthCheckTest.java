package org.wsproxy.upstream;

import java.net.URI;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Active health checks through the real webapp, with probes every 100 ms: an HTTP check marks a backend
 * down after `fall` bad statuses and up after `rise` good ones, and only healthy backends get new sessions;
 * a WebSocket check follows a backend that stops and comes back; live sessions of a backend marked down go
 * on by default and are closed with 1001 when the pool says shutdownSessionsOnDown.
 */
public class ActiveHealthCheckTest
{
    private final Started started = new Started();
    private WebSocketClient client;

    @BeforeEach
    public void startClient() throws Exception
    {
        client = started.webSocketClient();
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

    private static ProxyServer checked(ProxyServer proxy, String kind, String path)
    {
        return proxy.param("wsproxy.pool.chat.healthCheck", kind)
            .param("wsproxy.pool.chat.healthCheckPath", path)
            .param("wsproxy.pool.chat.healthCheckInterval", "100ms")
            .param("wsproxy.pool.chat.healthCheckTimeout", "1s")
            .param("wsproxy.pool.chat.healthCheckRise", "2")
            .param("wsproxy.pool.chat.healthCheckFall", "2");
    }

    private static Endpoint endpoint(ProxyServer proxy, TestBackend backend)
    {
        return proxy.pools().get("chat").endpoints().stream().filter(e -> e.uri().getPort() == backend.port()).findFirst().orElseThrow();
    }

    private Session open(ProxyServer proxy, Recorder recorder) throws Exception
    {
        return client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
    }

    private String backendOf(ProxyServer proxy) throws Exception
    {
        Recorder recorder = new Recorder();
        Session session = open(proxy, recorder);
        String name = session.getUpgradeResponse().getHeader("X-Backend");
        session.close();
        recorder.awaitClose();
        return name;
    }

    @Test
    public void httpCheckMarksDownAndUpAndOnlyHealthyBackendsGetNewSessions() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        ProxyServer proxy = start(checked(new ProxyServer().pool("chat", b1.url() + " " + b2.url()), "http", "/health").poolRoute("ws", "/", "chat"));
        Endpoint e2 = endpoint(proxy, b2);
        TestBackend.awaitTrue(() -> b2.healthProbes.get() >= 2, 10_000);
        assertTrue(e2.isUp());

        // A session on b2 that is live when b2 is marked down (round-robin: the first or the second).
        Recorder live = null;
        Session liveSession = null;
        for (int i = 0; i < 2 && liveSession == null; i++)
        {
            Recorder r = new Recorder();
            Session s = open(proxy, r);
            if ("b2".equals(s.getUpgradeResponse().getHeader("X-Backend")))
            {
                liveSession = s;
                live = r;
            }
            else
                started.push(s::close);
        }
        assertTrue(liveSession != null);

        long failedAt = System.nanoTime();
        b2.healthStatus = 503;
        TestBackend.awaitTrue(() -> !e2.isUp(), 10_000);
        long downMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt);
        for (int i = 0; i < 6; i++)
            assertEquals("b1", backendOf(proxy));
        // Marked down is not cut off: the live session goes on (shutdownSessionsOnDown is off by default).
        liveSession.sendText("still here", org.eclipse.jetty.websocket.api.Callback.NOOP);
        assertEquals("still here", live.nextText());

        long healedAt = System.nanoTime();
        b2.healthStatus = 200;
        TestBackend.awaitTrue(e2::isUp, 10_000);
        long upMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healedAt);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 4; i++)
            seen.add(backendOf(proxy));
        assertEquals(java.util.Set.of("b1", "b2"), seen);
        liveSession.close();
        live.awaitClose();
        System.out.printf("active HTTP check (interval 100 ms, fall 2, rise 2): marked down %d ms after /health turned 503, up %d ms after it turned 200%n",
            downMillis, upMillis);
    }

    @Test
    public void webSocketCheckFollowsABackendThatStopsAndComesBack() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        int port2 = b2.port();
        ProxyServer proxy = start(checked(new ProxyServer().pool("chat", b1.url() + " " + b2.url()), "websocket", "/ws/echo").poolRoute("ws", "/", "chat"));
        Endpoint e2 = endpoint(proxy, b2);
        b2.stop();
        TestBackend.awaitTrue(() -> !e2.isUp(), 10_000);
        // Down by the checks: no session even tries it, so passive health never saw it fail.
        for (int i = 0; i < 4; i++)
            assertEquals("b1", backendOf(proxy));
        assertEquals(0, e2.failures());
        TestBackend back = new TestBackend("b2-again").start(port2);
        started.push(back::stop);
        TestBackend.awaitTrue(e2::isUp, 10_000);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 4; i++)
            seen.add(backendOf(proxy));
        assertTrue(seen.contains("b2-again"), seen.toString());
    }

    @Test
    public void sessionsOfABackendMarkedDownAreClosedWhenThePoolSaysSo() throws Exception
    {
        TestBackend b1 = backend("b1");
        ProxyServer proxy = start(checked(new ProxyServer().pool("chat", b1.url()), "http", "/health")
            .param("wsproxy.pool.chat.shutdownSessionsOnDown", "true").poolRoute("ws", "/", "chat"));
        Endpoint e1 = endpoint(proxy, b1);
        Recorder recorder = new Recorder();
        Session session = open(proxy, recorder);
        b1.healthStatus = 500;
        TestBackend.awaitTrue(() -> !e1.isUp(), 10_000);
        assertEquals("1001 Going Away: backend marked down", recorder.awaitClose());
        TestBackend.awaitTrue(() -> e1.sessions() == 0, 10_000);
    }
}
