package org.wsproxy.guard;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.LogCapture;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsproxy.guard.Upgrades.upgrade;

/**
 * The Origin allow-list (Cross-Site WebSocket Hijacking) through the real webapp: exact origins, wildcards and
 * same-origin pass; any other Origin, {@code Origin: null} and two Origins get 403 before any backend is
 * contacted; no Origin passes unless allowMissingOrigin is false; off by default; refusals counted and logged
 * at most once per interval.
 */
public class OriginCheckTest
{
    private final Started started = new Started();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private ProxyServer proxy(TestBackend backend, String origins) throws Exception
    {
        ProxyServer proxy = new ProxyServer().route("ws", "/ws/", backend.url()).route("app", "/", backend.url());
        if (origins != null)
            proxy.param("wsproxy.allowedOrigins", origins);
        return started.proxy(proxy);
    }

    @Test
    public void anOriginOutsideTheListGets403AndTheBackendIsNotContacted() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = proxy(backend, "https://app.example.com, https://*.example.org");
        try (LogCapture log = new LogCapture())
        {
            for (String evil : new String[]{"https://evil.example", "http://app.example.com", "https://app.example.com:8443",
                "https://example.org", "https://badexample.org", "null", "https://app.example.com.evil.example"})
            {
                RawHttp.Response refused = upgrade(proxy, "/ws/echo", "Origin: " + evil);
                assertEquals(403, refused.status(), evil);
                assertEquals("403 Forbidden\n", refused.body(), evil);
                assertNull(refused.header("Retry-After"), evil);
            }
            // Two Origins: which one to believe is not the proxy's to pick.
            assertEquals(403, upgrade(proxy, "/ws/echo", "Origin: https://app.example.com", "Origin: https://evil.example").status());
            assertEquals(0, backend.connections.get(), "the backend was contacted");
            assertEquals(8, Upgrades.guards(proxy).refused("ws", Refusal.ORIGIN));

            // Seven refusals of one cause on one route within the interval: one line, naming the route and the Origin.
            var lines = log.lines("refused GET /ws/echo");
            assertEquals(1, lines.size(), String.join("\n", lines));
            assertTrue(lines.get(0).contains("WARN") && lines.get(0).contains("route ws") && lines.get(0).contains("Origin https://evil.example")
                && lines.get(0).contains("answered 403"), lines.get(0));
        }

        for (String good : new String[]{"https://app.example.com", "https://APP.Example.com:443", "https://chat.example.org", "https://a.b.example.org"})
            assertEquals(101, upgrade(proxy, "/ws/echo", "Origin: " + good).status(), good);
        // Non-browser clients send no Origin: they pass unless told otherwise.
        assertEquals(101, upgrade(proxy, "/ws/echo").status());
        // Plain HTTP is not a WebSocket handshake: the Origin list does not apply (CORS is the application's).
        assertEquals(200, Upgrades.get(proxy, "/page", "Origin: https://evil.example").status());
    }

    @Test
    public void sameOriginComparesTheOriginWithTheHostHeader() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = proxy(backend, "same-origin");
        String self = "http://127.0.0.1:" + proxy.port();
        assertEquals(101, upgrade(proxy, "/ws/echo", "Origin: " + self).status());
        assertEquals(403, upgrade(proxy, "/ws/echo", "Origin: http://127.0.0.1:1").status());
        assertEquals(403, upgrade(proxy, "/ws/echo", "Origin: http://localhost:" + proxy.port()).status());
        // Host and port only, not the scheme: TLS may have ended at a balancer before the proxy.
        assertEquals(101, upgrade(proxy, "/ws/echo", "Origin: https://127.0.0.1:" + proxy.port()).status());
        // A missing port is the Origin scheme's default, on both sides.
        assertEquals(101, upgrade(proxy, "/ws/echo", "Host: app.example.com", "Origin: https://app.example.com").status());
        assertEquals(2, Upgrades.guards(proxy).refused("ws", Refusal.ORIGIN));
    }

    @Test
    public void aMissingOriginIsRefusedWhenTheRouteSaysSo() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("ws", "/ws/", backend.url()).route("open", "/open/", backend.url())
            .param("wsproxy.allowedOrigins", "https://app.example.com")
            .param("wsproxy.route.ws.allowMissingOrigin", "false")
            // A route given an empty list has none.
            .param("wsproxy.route.open.allowedOrigins", ""));
        assertEquals(403, upgrade(proxy, "/ws/echo").status());
        assertEquals(101, upgrade(proxy, "/ws/echo", "Origin: https://app.example.com").status());
        assertEquals(101, upgrade(proxy, "/open/echo", "Origin: https://evil.example").status());
        assertEquals(1, Upgrades.guards(proxy).refused("ws", Refusal.ORIGIN));
        assertEquals(0, Upgrades.guards(proxy).refused("open", Refusal.ORIGIN));
    }

    @Test
    public void offByDefault() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = proxy(backend, null);
        assertEquals(101, upgrade(proxy, "/ws/echo", "Origin: https://evil.example").status());
        assertEquals(101, upgrade(proxy, "/ws/echo", "Origin: null").status());
        assertFalse(backend.handshakes.isEmpty());
    }
}
