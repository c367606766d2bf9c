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
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin endpoint: absent unless configured (its path is then proxied like any other), refused to
 * addresses outside the allow-list (403) and without the token (401); with both, it shows the pools and
 * applies a change whole or not at all, without closing live sessions.
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
}
