package org.wsproxy.route;

import org.eclipse.jetty.http.UriCompliance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests are routed on the path the servlet container routes them on (decoded, dot segments resolved), and
 * that path is what the backend gets, encoded again: {@code /ws/../index.html} is {@code /index.html} to the
 * routes, the servlet mapping and the backend alike. Raw sockets, since clients normalise such paths before
 * sending them. Routes: {@code /ws/} to backend "ws", {@code /api/} to backend "app" under {@code /v1/},
 * everything else to "app".
 */
public class NormalisedPathRoutingTest
{
    private static final String UPGRADE = "Upgrade: websocket|Connection: Upgrade|Sec-WebSocket-Version: 13|Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

    private final Started started = new Started();
    private TestBackend ws;
    private TestBackend app;

    @BeforeEach
    public void startBackends() throws Exception
    {
        ws = started.backend("ws");
        app = started.backend("app");
    }

    @AfterEach
    public void stop() throws Exception
    {
        started.stopAll();
    }

    private ProxyServer proxy(UriCompliance compliance) throws Exception
    {
        ProxyServer proxy = new ProxyServer()
            .route("ws", "/ws/", ws.url())
            .route("api", "/api/", app.url() + "/v1/")
            .route("app", "/", app.url());
        if (compliance != null)
            proxy.uriCompliance(compliance);
        return started.proxy(proxy);
    }

    private static RawHttp.Response get(ProxyServer proxy, String target, String headers) throws Exception
    {
        String head = "GET " + target + " HTTP/1.1|Host: p|Connection: close" + (headers.isEmpty() ? "" : "|" + headers);
        return RawHttp.exchange(proxy.port(), head.split("\\|"));
    }

    /** TestBackend's page starts with "backend=NAME" and the request line it got; both, as one line. */
    private static String servedBy(RawHttp.Response response)
    {
        assertEquals(200, response.status(), response.body());
        String[] lines = response.body().split("\n");
        return lines[0].substring("backend=".length()) + " " + lines[1];
    }

    private String upgradedTo(RawHttp.Response response) throws InterruptedException
    {
        assertEquals(101, response.status(), response.body());
        TestBackend backend = "ws".equals(response.header("X-Backend")) ? ws : app;
        String path = backend.handshakePaths.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(ws.handshakePaths.isEmpty() && app.handshakePaths.isEmpty(), "a second handshake");
        return response.header("X-Backend") + " " + path;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '>', value = {
        "/ws/../index.html              > app GET /index.html",
        "/x/../ws/echo                  > ws GET /ws/echo",
        "/ws/./a/../echo?q=%3F&r=/../   > ws GET /ws/echo?q=%3F&r=/../",
        "/ws/..                         > app GET /",
        // What was encoded stays encoded: a decoded %3F or %3B put back as is would end the path or start a parameter.
        "/ws/a%20b%3Fc%3Bd/%C3%A9       > ws GET /ws/a%20b%3Fc%3Bd/%C3%A9",
        // With a backend path, the route prefix is replaced after normalising.
        "/api/x/../a%20b%3F             > app GET /v1/a%20b%3F",
        "/x/../api/y                    > app GET /v1/y",
        // Path parameters are not part of the container's path (Servlet 6.0, "URI path canonicalization"), so not forwarded either.
        "/ws/echo;jsessionid=1/x;v=2    > ws GET /ws/echo/x",
    })
    public void httpIsRoutedAndForwardedOnTheNormalisedPath(String target, String expected) throws Exception
    {
        ProxyServer proxy = proxy(null);
        assertEquals(expected, servedBy(get(proxy, target, "")));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '>', value = {
        "/ws/../index.html              > app /index.html",
        "/x/../ws/echo                  > ws /ws/echo",
        "/ws/a%20b%3Fc/./d?q=1          > ws /ws/a%20b%3Fc/d?q=1",
    })
    public void upgradesAreRoutedAndForwardedOnTheNormalisedPath(String target, String expected) throws Exception
    {
        ProxyServer proxy = proxy(null);
        assertEquals(expected, upgradedTo(get(proxy, target, UPGRADE)));
    }

    /**
     * Jetty refuses these itself, with its default URI compliance, before the webapp sees them: a path above
     * the root, and the ambiguous ones (encoded dots, an encoded separator or percent, an empty segment, a
     * parameter on a dot segment), whose decoded form could be read two ways.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/../x", "/ws/../../x", "/ws/%2e%2e/index.html", "/ws/%2E./index.html", "/ws%2F..%2Findex.html",
        "/ws/a%25b", "/ws//echo", "/ws/..;x/index.html"})
    public void pathsThatCannotBeNormalisedOrAreAmbiguousGet400(String target) throws Exception
    {
        ProxyServer proxy = proxy(null);
        assertEquals(400, get(proxy, target, "").status());
        assertEquals(400, get(proxy, target, UPGRADE).status());
        assertEquals(0, ws.connections.get() + app.connections.get(), "a backend was contacted");
    }

    /**
     * An operator who lets ambiguous URIs through (LEGACY compliance, decoded by the servlet API) gets encoded
     * dots resolved by Jetty, but a decoded path in which an encoded separator makes new dot segments: they are
     * resolved too, and one climbing above the root is refused by the proxy (Jetty refuses {@code /%2e%2e/x}).
     */
    @Test
    public void withAmbiguousUrisAllowedDotSegmentsAreResolvedOrRefused() throws Exception
    {
        ProxyServer proxy = proxy(UriCompliance.LEGACY);
        // First, while no backend has had a connection yet (the HTTP client may open one late, after a request).
        assertEquals(400, get(proxy, "/..%2Fx", "").status());
        assertEquals(400, get(proxy, "/ws/..%2F..%2Fws/echo", UPGRADE).status());
        assertEquals(0, ws.connections.get() + app.connections.get(), "a backend was contacted");
        assertEquals("app GET /index.html", servedBy(get(proxy, "/ws/%2e%2e/index.html", "")));
        assertEquals("app GET /index.html", servedBy(get(proxy, "/ws%2F..%2Findex.html", "")));
        assertEquals("ws /ws/echo", upgradedTo(get(proxy, "/x%2F..%2Fws/echo", UPGRADE)));
    }
}
