package org.wsproxy.guard;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.wsproxy.guard.Upgrades.get;
import static org.wsproxy.guard.Upgrades.upgrade;

/**
 * Client address allow and deny lists through the real webapp, on WebSocket upgrades and plain HTTP alike: 403
 * before any backend is contacted, the client address being the one the trusted-proxy rules decide.
 */
public class ClientAddressRulesTest
{
    private final Started started = new Started();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    @Test
    public void aDeniedPeerGets403OnBothPathsWithoutTheBackendContacted() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("ws", "/ws/", backend.url()).route("app", "/", backend.url())
            .param("wsproxy.denyClients", "127.0.0.0/8"));
        RawHttp.Response ws = upgrade(proxy, "/ws/echo");
        assertEquals(403, ws.status());
        assertEquals("403 Forbidden\n", ws.body());
        RawHttp.Response http = get(proxy, "/page");
        assertEquals(403, http.status());
        assertEquals("403 Forbidden\n", http.body());
        // A body is not read either: the refusal comes first.
        RawHttp.Response post = RawHttp.exchange(proxy.port(), "POST /upload HTTP/1.1", "Host: x", "Content-Length: 3", "Connection: close", "", "abc");
        assertEquals(403, post.status());
        // A non-upgrade request on the WebSocket route takes the HTTP path, and its check.
        assertEquals(403, get(proxy, "/ws/poll").status());
        assertEquals(0, backend.connections.get(), "the backend was contacted");
        assertEquals(2, Upgrades.guards(proxy).refused("ws", Refusal.CLIENT_ADDRESS));
        assertEquals(2, Upgrades.guards(proxy).refused("app", Refusal.CLIENT_ADDRESS));
    }

    @Test
    public void theClientATrustedProxyNamesIsTheOneChecked() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("ws", "/ws/", backend.url()).route("app", "/", backend.url())
            .route("open", "/open/", backend.url())
            .param("wsproxy.trustedProxies", "127.0.0.1")
            .param("wsproxy.allowClients", "10.0.0.0/8, 192.0.2.0/24")
            .param("wsproxy.denyClients", "10.6.6.6")
            .param("wsproxy.route.open.allowClients", ""));
        assertEquals(101, upgrade(proxy, "/ws/echo", "X-Forwarded-For: 10.1.2.3").status());
        assertEquals(200, get(proxy, "/page", "X-Forwarded-For: 10.1.2.3").status());
        assertEquals(200, get(proxy, "/page", "X-Forwarded-For: 198.51.100.7, 192.0.2.44").status());
        long contacted = backend.connections.get();

        assertEquals(403, upgrade(proxy, "/ws/echo", "X-Forwarded-For: 198.51.100.7").status());
        assertEquals(403, get(proxy, "/page", "X-Forwarded-For: 198.51.100.7").status());
        // Deny wins over allow.
        assertEquals(403, upgrade(proxy, "/ws/echo", "X-Forwarded-For: 10.6.6.6").status());
        // Not an address: matches no allow list.
        assertEquals(403, get(proxy, "/page", "X-Forwarded-For: unknown").status());
        // The trusted proxy itself, naming nobody, is not in the allow list.
        assertEquals(403, get(proxy, "/page").status());
        assertEquals(contacted, backend.connections.get(), "the backend was contacted");

        // A route given an empty allow list allows every address (the global deny list still applies).
        assertEquals(200, get(proxy, "/open/page", "X-Forwarded-For: 198.51.100.7").status());
        assertEquals(403, get(proxy, "/open/page", "X-Forwarded-For: 10.6.6.6").status());
    }
}
