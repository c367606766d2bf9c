package org.wsproxy.route;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * TargetUri: nginx's proxy_pass rule. A backend URL without a path passes the request path unchanged;
 * with a path (even "/") the route's prefix is replaced by it. The request path comes decoded and leaves
 * percent-encoded. The query is kept as is; the scheme
 * follows the hop (ws/wss for an upgrade, http/https otherwise) and keeps the backend's security.
 */
public class TargetUriTest
{
    private static String resolve(String backend, String prefix, String path, String query, boolean websocket)
    {
        Route route = new Route(RouterTest.config("r", prefix));
        return TargetUri.resolve(URI.create(backend), route, path, query, websocket).toString();
    }

    @ParameterizedTest(name = "{0} on {1}: {2} -> {3}")
    @CsvSource({
        // Backend without a path: the request path unchanged.
        "http://b:1,        /api/, /api/users,       http://b:1/api/users",
        "http://b:1,        /,     /,                http://b:1/",
        "http://b:1,        /api/, /api/,            http://b:1/api/",
        // Backend with a path: the route prefix replaced by it.
        "http://b:1/,       /api/, /api/users,       http://b:1/users",
        "http://b:1/v1/,    /api/, /api/users,       http://b:1/v1/users",
        "http://b:1/v1/,    /api/, /api/,            http://b:1/v1/",
        "http://b:1/v1,     /api/, /api/users,       http://b:1/v1users",
        "http://b:1/v1/,    /api,  /api/users,       http://b:1/v1/users",
        "http://b:1/,       /api,  /api/users,       http://b:1/users",
        "http://b:1/v1/,    /,     /x/y,             http://b:1/v1/x/y",
        // The path comes decoded (RequestPath.of) and is encoded again, the backend's base path as configured.
        "http://b:1,        /api/, /api/a b%c?d;e#f/é,  http://b:1/api/a%20b%25c%3Fd%3Be%23f/%C3%A9",
        "http://b:1/v%31/,  /api/, /api/a b%c?d;e#f/é,  http://b:1/v%31/a%20b%25c%3Fd%3Be%23f/%C3%A9",
    })
    public void nginxProxyPassRule(String backend, String prefix, String path, String expected)
    {
        assertEquals(expected, resolve(backend, prefix, path, null, false));
    }

    @Test
    public void queryIsKeptAsIs()
    {
        assertEquals("http://b:1/api/x?a=1&b=%20c&a=2", resolve("http://b:1", "/api/", "/api/x", "a=1&b=%20c&a=2", false));
        assertEquals("http://b:1/v1/x?q", resolve("http://b:1/v1/", "/api/", "/api/x", "q", false));
        assertEquals("http://b:1/api/x?", resolve("http://b:1", "/api/", "/api/x", "", false));
        assertEquals("http://b:1/api/x", resolve("http://b:1", "/api/", "/api/x", null, false));
    }

    @ParameterizedTest(name = "{0} websocket={1} -> {2}")
    @CsvSource({
        "http://b:1,  true,  ws://b:1/p",
        "http://b:1,  false, http://b:1/p",
        "https://b:1, true,  wss://b:1/p",
        "https://b:1, false, https://b:1/p",
        "ws://b:1,    true,  ws://b:1/p",
        "ws://b:1,    false, http://b:1/p",
        "wss://b:1,   true,  wss://b:1/p",
        "wss://b:1,   false, https://b:1/p",
        "HTTPS://b:1, true,  wss://b:1/p",
        "WS://b:1,    false, http://b:1/p",
    })
    public void schemeFollowsTheHopAndKeepsTls(String backend, boolean websocket, String expected)
    {
        assertEquals(expected, resolve(backend, "/", "/p", null, websocket));
    }

    @Test
    public void authorityIsKeptIncludingIpv6AndDefaultPort()
    {
        assertEquals("ws://[::1]:8080/p?x=1", resolve("http://[::1]:8080", "/", "/p", "x=1", true));
        assertEquals("https://example.org/p", resolve("https://example.org", "/", "/p", null, false));
    }
}
