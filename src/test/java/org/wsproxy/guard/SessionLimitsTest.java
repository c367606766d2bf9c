package org.wsproxy.guard;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.LogCapture;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsproxy.guard.Upgrades.upgrade;
import static org.wsproxy.testing.TestBackend.awaitTrue;

/**
 * The limits at the edge through the real webapp: live sessions in total (503) and per client address (429),
 * new handshakes per second per client address (429), each with its Retry-After, before any backend is
 * contacted; a session's place is given back when both hops have closed or its handshake failed; the counts
 * show in the admin GET. Client addresses are told apart by a trusted proxy's X-Forwarded-For.
 */
public class SessionLimitsTest
{
    private static final String TOKEN = "a-long-admin-token-for-tests";

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

    private ProxyServer proxy(TestBackend backend, String... params) throws Exception
    {
        ProxyServer proxy = new ProxyServer().route("ws", "/ws/", backend.url()).param("wsproxy.trustedProxies", "127.0.0.1")
            .param("wsproxy.admin.path", "/_wsproxy").param("wsproxy.admin.token", TOKEN);
        for (int i = 0; i < params.length; i += 2)
            proxy.param(params[i], params[i + 1]);
        return started.proxy(proxy);
    }

    /** A session held open, from the client address {@code forwardedFor} names. */
    private Session open(ProxyServer proxy, String forwardedFor) throws Exception
    {
        ClientUpgradeRequest request = new ClientUpgradeRequest();
        request.setHeader("X-Forwarded-For", forwardedFor);
        Session session = client.connect(new Recorder(), URI.create(proxy.wsUrl("/ws/echo")), request).get(10, TimeUnit.SECONDS);
        assertTrue(session.isOpen());
        return session;
    }

    private static String admin(ProxyServer proxy) throws Exception
    {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/_wsproxy")))
            .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    @Test
    public void theProxyFullAnswers503UntilASessionHasClosedOnBothHops() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = proxy(backend, "wsproxy.maxSessions", "2");
        EdgeGuards guards = Upgrades.guards(proxy);
        Session first = open(proxy, "10.0.0.1");
        open(proxy, "10.0.0.2");
        long contacted = backend.connections.get();

        RawHttp.Response full = upgrade(proxy, "/ws/echo", "X-Forwarded-For: 10.0.0.3");
        assertEquals(503, full.status());
        assertEquals("5", full.header("Retry-After"));
        assertEquals("503 Service Unavailable\n", full.body());
        assertEquals(contacted, backend.connections.get(), "the backend was contacted");

        first.close();
        awaitTrue(() -> guards.liveSessions() == 1, 10_000);
        assertEquals(101, upgrade(proxy, "/ws/echo", "X-Forwarded-For: 10.0.0.3").status());
        // That one's client left at once: its place is back when both of its hops have closed.
        awaitTrue(() -> guards.liveSessions() == 1, 10_000);

        String state = admin(proxy);
        assertTrue(state.contains("edge sessions live=1 max=2\n"), state);
        assertTrue(state.contains("edge route ws refused client=0 origin=0 handshakeRate=0 sessionsPerClient=0 sessions=1 addresses sessions=1 buckets="), state);
    }

    @Test
    public void aFailedHandshakeGivesItsPlaceBack() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = proxy(backend, "wsproxy.maxSessions", "1");
        // The backend's own refusal is passed on, and the session's place is given back each time.
        assertEquals(403, upgrade(proxy, "/ws/reject").status());
        assertEquals(403, upgrade(proxy, "/ws/reject").status());
        assertEquals(0, Upgrades.guards(proxy).liveSessions());
        open(proxy, "10.0.0.1");
        assertEquals(1, Upgrades.guards(proxy).liveSessions());
    }

    @Test
    public void oneAddressHoldingItsMaximumGets429WhileOthersPass() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = proxy(backend, "wsproxy.maxSessionsPerClient", "2");
        EdgeGuards guards = Upgrades.guards(proxy);
        Session first = open(proxy, "10.0.0.1");
        open(proxy, "10.0.0.1");
        long contacted = backend.connections.get();

        try (LogCapture log = new LogCapture())
        {
            for (int i = 0; i < 5; i++)
            {
                RawHttp.Response refused = upgrade(proxy, "/ws/echo", "X-Forwarded-For: 10.0.0.1");
                assertEquals(429, refused.status());
                assertEquals("5", refused.header("Retry-After"));
                assertEquals("429 Too Many Requests\n", refused.body());
            }
            assertEquals(contacted, backend.connections.get(), "the backend was contacted");
            List<String> lines = log.lines("wsproxy route ws: refused");
            assertTrue(lines.size() == 1 || lines.size() == 2, String.join("\n", lines));
            assertTrue(lines.get(0).contains("from 10.0.0.1: already holds wsproxy.route.ws.maxSessionsPerClient=2 live sessions; answered 429"), lines.get(0));
        }
        assertEquals(5, guards.refused("ws", Refusal.SESSIONS_PER_CLIENT));

        // Another address behind the same balancer has its own count.
        open(proxy, "10.0.0.2");
        first.close();
        awaitTrue(() -> guards.liveSessions() == 2, 10_000);
        open(proxy, "10.0.0.1");
        assertTrue(admin(proxy).contains("sessionsPerClient=5"));
    }

    @Test
    public void handshakesBeyondTheBurstAndRateGet429() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = proxy(backend, "wsproxy.handshakeRate", "1", "wsproxy.handshakeBurst", "3");
        List<Integer> statuses = new ArrayList<>();
        RawHttp.Response last = null;
        // 3 at once, then one a second: a refusal comes long before 30 tries, however slow the machine.
        for (int i = 0; i < 30 && (last == null || last.status() == 101); i++)
        {
            last = upgrade(proxy, "/ws/echo", "X-Forwarded-For: 10.0.0.7");
            statuses.add(last.status());
        }
        assertEquals(List.of(101, 101, 101), statuses.subList(0, 3));
        assertEquals(429, last.status(), statuses.toString());
        assertEquals("1", last.header("Retry-After"));
        assertEquals(statuses.size() - 1, backend.handshakes.size(), "the backend saw the refused handshake");

        assertEquals(101, upgrade(proxy, "/ws/echo", "X-Forwarded-For: 10.0.0.8").status());
        // The bucket refills: one token a second.
        awaitTrue(() ->
        {
            try
            {
                return upgrade(proxy, "/ws/echo", "X-Forwarded-For: 10.0.0.7").status() == 101;
            }
            catch (Exception x)
            {
                throw new AssertionError(x);
            }
        }, 10_000);
        assertTrue(admin(proxy).contains("handshakeRate=" + Upgrades.guards(proxy).refused("ws", Refusal.HANDSHAKE_RATE)));
    }
}
