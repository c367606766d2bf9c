package org.wsproxy.boot;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin endpoint: absent unless configured (its path is then proxied like any other), refused to
 * addresses outside the allow-list (403) and without the exact token (401), whatever the method, OPTIONS
 * included; two Authorization headers are refused (400); refusals are logged at most once per interval; with
 * both, it shows the pools and applies a change whole or not at all, without closing live sessions.
 */
public class AdminEndpointTest
{
    private static final String TOKEN = "a-long-admin-token-for-tests";

    private final Started started = new Started();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
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

    private HttpResponse<String> call(ProxyServer proxy, String method, String token, String body) throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(proxy.httpUrl("/_wsproxy/pools"))).timeout(Duration.ofSeconds(20))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null)
            request.header("Authorization", "Bearer " + token);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void offByDefaultItsPathIsProxied() throws Exception
    {
        TestBackend b1 = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", b1.url()));
        HttpResponse<String> response = call(proxy, "GET", TOKEN, null);
        assertEquals("b1", response.headers().firstValue("X-Backend").orElse("?"));
    }

    @Test
    public void addressOutsideTheAllowListGets403EvenWithTheToken() throws Exception
    {
        TestBackend b1 = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", b1.url())
            .param("wsproxy.admin.path", "/_wsproxy/pools").param("wsproxy.admin.token", TOKEN).param("wsproxy.admin.allow", "10.0.0.0/8"));
        assertEquals(403, call(proxy, "GET", TOKEN, null).statusCode());
        assertEquals(403, call(proxy, "POST", TOKEN, "wsproxy.route.main.backends = " + b1.url() + " drain").statusCode());
    }

    @Test
    public void tokenIsRequiredAndAChangeAppliesWholeWithoutClosingSessions() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        ProxyServer proxy = start(new ProxyServer().pool("chat", b1.url() + " " + b2.url()).poolRoute("ws", "/", "chat")
            .param("wsproxy.admin.path", "/_wsproxy/pools").param("wsproxy.admin.token", TOKEN));
        HttpResponse<String> refused = call(proxy, "GET", null, null);
        assertEquals(401, refused.statusCode());
        assertTrue(refused.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertEquals(401, call(proxy, "GET", TOKEN + "x", null).statusCode());

        HttpResponse<String> state = call(proxy, "GET", TOKEN, null);
        assertEquals(200, state.statusCode());
        assertTrue(state.body().contains("pool chat v1 round-robin"), state.body());
        assertTrue(state.body().contains(b1.url() + " weight=1 up sessions=0"), state.body());

        Recorder recorder = new Recorder();
        Session session = client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
        assertEquals("b1", session.getUpgradeResponse().getHeader("X-Backend"));

        // One bad line refuses the whole change.
        HttpResponse<String> bad = call(proxy, "POST", TOKEN, "wsproxy.pool.chat.backends = " + b2.url() + "\nwsproxy.pool.nope.backends = " + b1.url());
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("wsproxy.pool.nope.backends"), bad.body());
        assertEquals(2, proxy.pools().get("chat").endpoints().size());

        HttpResponse<String> changed = call(proxy, "POST", TOKEN, "wsproxy.pool.chat.backends = " + b1.url() + " drain, " + b2.url() + " weight=2");
        assertEquals(200, changed.statusCode(), changed.body());
        assertTrue(changed.body().startsWith("changed: chat"), changed.body());
        assertTrue(changed.body().contains(b1.url() + " weight=1 drain up sessions=1"), changed.body());
        assertTrue(changed.body().contains("websocket relays live=1 opened=1 handshakesFailed=0"), changed.body());
        for (int i = 0; i < 3; i++)
        {
            Recorder r = new Recorder();
            Session s = client.connect(r, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
            assertEquals("b2", s.getUpgradeResponse().getHeader("X-Backend"));
            s.close();
            r.awaitClose();
        }
        session.sendText("still here", org.eclipse.jetty.websocket.api.Callback.NOOP);
        assertEquals("still here", recorder.nextText());
        session.close();
        recorder.awaitClose();
    }

    private static final java.util.List<String> METHODS = java.util.List.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH");

    private ProxyServer admin(String allow) throws Exception
    {
        TestBackend b1 = backend("b1");
        ProxyServer proxy = new ProxyServer().route("main", "/", b1.url())
            .param("wsproxy.admin.path", "/_wsproxy/pools").param("wsproxy.admin.token", TOKEN);
        if (allow != null)
            proxy.param("wsproxy.admin.allow", allow);
        return start(proxy);
    }

    private static RawHttp.Response raw(ProxyServer proxy, String method, String... headers) throws Exception
    {
        String[] head = new String[headers.length + 4];
        head[0] = method + " /_wsproxy/pools HTTP/1.1";
        head[1] = "Host: 127.0.0.1";
        head[2] = "Content-Length: 0";
        head[3] = "Connection: close";
        System.arraycopy(headers, 0, head, 4, headers.length);
        return RawHttp.exchange(proxy.port(), head);
    }

    @Test
    public void everyMethodOptionsIncludedSaysNothingWithoutTheTokenOrTheAllowList() throws Exception
    {
        ProxyServer open = admin(null);
        ProxyServer closed = admin("10.0.0.0/8");
        for (String method : METHODS)
        {
            // TRACE never reaches the webapp's servlets: Jetty's default descriptor answers it 403.
            RawHttp.Response noToken = raw(open, method);
            assertEquals(method.equals("TRACE") ? 403 : 401, noToken.status(), method + " without a token: " + noToken);
            assertNull(noToken.header("Allow"), method + " without a token: " + noToken);
            // Not even Jetty's error page, which names the servlet (wsproxy-admin) and the server's version.
            assertFalse(noToken.body().contains("pool ") || noToken.body().contains("admin") || noToken.body().contains("Jetty"), noToken.body());
            RawHttp.Response outside = raw(closed, method, "Authorization: Bearer " + TOKEN);
            assertEquals(403, outside.status(), method + " from outside the allow-list: " + outside);
            assertNull(outside.header("Allow"), method + " from outside the allow-list: " + outside);
            assertFalse(outside.body().contains("admin") || outside.body().contains("Jetty"), outside.body());
        }
        // With both, OPTIONS names what the endpoint does; TRACE (which would echo the token back) is not one.
        RawHttp.Response options = raw(open, "OPTIONS", "Authorization: Bearer " + TOKEN);
        assertEquals(200, options.status(), options.toString());
        assertEquals("GET, HEAD, POST, PUT, OPTIONS", options.header("Allow"));
        assertEquals(200, raw(open, "HEAD", "Authorization: Bearer " + TOKEN).status());
        assertEquals(405, raw(open, "DELETE", "Authorization: Bearer " + TOKEN).status());
    }

    @Test
    public void onlyTheExactTokenInOneHeaderIsAccepted() throws Exception
    {
        ProxyServer proxy = admin(null);
        assertEquals(200, raw(proxy, "GET", "Authorization: Bearer " + TOKEN).status());
        // Whatever reaches the servlet is compared byte for byte. (A space or tab ending the line on the wire is
        // optional whitespace around the value, RFC 9110 5.5, which Jetty's parser, like nginx's, drops first.)
        for (String wrong : java.util.List.of("Bearer " + TOKEN + " x", "Bearer  " + TOKEN, "bearer " + TOKEN, "Bearer " + TOKEN.substring(1), TOKEN, "Bearer " + TOKEN + "\u00a0"))
            assertEquals(401, raw(proxy, "GET", "Authorization: " + wrong).status(), wrong);
        // Two Authorization headers, whichever comes first: the request is refused, whatever else it says.
        String good = "Authorization: Bearer " + TOKEN;
        String bad = "Authorization: Bearer wrong-token-wrong-token";
        assertEquals(400, raw(proxy, "GET", good, bad).status());
        assertEquals(400, raw(proxy, "GET", bad, good).status());
        assertEquals(400, raw(proxy, "GET", good, good).status());
        assertEquals(400, raw(proxy, "POST", good, bad).status());
    }

    @Test
    public void refusalsAreLoggedAtMostOncePerInterval() throws Exception
    {
        ProxyServer proxy = admin(null);
        ProxyServer closed = admin("10.0.0.0/8");
        try (LogCapture log = new LogCapture())
        {
            for (int i = 0; i < 20; i++)
            {
                assertEquals(401, raw(proxy, "GET", "Authorization: Bearer guess-" + i).status());
                assertEquals(403, raw(closed, "GET", "Authorization: Bearer guess-" + i).status());
            }
            java.util.List<String> lines = log.lines("wsproxy admin: refused");
            System.out.printf("admin endpoint: 20 wrong tokens and 20 calls from outside the allow-list logged %d WARN line(s):%n  %s%n",
                lines.size(), String.join("\n  ", lines));
            assertEquals(1, lines.stream().filter(l -> l.contains("wrong token")).count(), lines.toString());
            assertEquals(1, lines.stream().filter(l -> l.contains("wsproxy.admin.allow")).count(), lines.toString());
        }
    }
}
