package org.wsproxy.observe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.LogCapture;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;
import org.wsproxy.upstream.Member;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page's actions over plain HTTP: refused (403, nothing changed) without the page's token, with a
 * wrong one, or from another origin; with it, drain, enable and re-weight change the pool and are logged with the
 * caller's address; bad values are 400. The JSON report carries the same data as the page.
 */
public class StatusActionsTest
{
    private final Started started = new Started();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private Member member(ProxyServer proxy, String url)
    {
        return proxy.pools().get("chat").snapshot().members().stream().filter(m -> m.endpoint().key().equals(url)).findFirst().orElseThrow();
    }

    @Test
    public void actionsNeedThePageTokenFromThePageOrigin() throws Exception
    {
        TestBackend b1 = started.backend("b1");
        TestBackend b2 = started.backend("b2");
        ProxyServer proxy = started.proxy(new ProxyServer().pool("chat", b1.url() + " " + b2.url()).poolRoute("ws", "/", "chat")
            .param("wsproxy.observe.path", "/_wsproxy"));
        StatusActions actions = StatusActions.of(proxy);
        assertEquals(403, actions.postWithToken(null, "chat", b1.url(), "drain").statusCode());
        assertEquals(403, actions.postWithToken("0".repeat(48), "chat", b1.url(), "drain").statusCode());
        assertEquals(403, actions.post("chat", b1.url(), "drain", "Origin", "http://evil.example").statusCode());
        assertEquals(403, actions.post("chat", b1.url(), "drain", "Sec-Fetch-Site", "cross-site").statusCode());
        assertFalse(member(proxy, b1.url()).drain());

        try (LogCapture log = new LogCapture())
        {
            HttpResponse<String> drain = actions.post("chat", b1.url(), "drain", "Origin", "http://127.0.0.1:" + proxy.port());
            assertEquals(200, drain.statusCode(), drain.body());
            assertTrue(member(proxy, b1.url()).drain());
            assertEquals(1, log.lines("wsproxy status page: drain " + b1.url() + " in pool chat by 127.0.0.1").size());
        }
        assertEquals(200, actions.post("chat", b1.url(), "enable").statusCode());
        assertFalse(member(proxy, b1.url()).drain());
        HttpResponse<String> weight = actions.post("chat", b2.url(), "weight&weight=7", "Sec-Fetch-Site", "same-origin");
        assertEquals(200, weight.statusCode(), weight.body());
        assertEquals(7, member(proxy, b2.url()).weight());
        assertEquals(400, actions.post("chat", b2.url(), "weight&weight=0").statusCode());
        assertEquals(400, actions.post("chat", b2.url(), "explode").statusCode());
        assertEquals(404, actions.post("chat", "http://127.0.0.1:1", "drain").statusCode());
        assertEquals(400, actions.post("nope", b1.url(), "drain").statusCode());

        HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/_wsproxy/status.json"))).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, json.statusCode());
        assertEquals("application/json", json.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        for (String expected : List.of("\"name\":\"chat\"", "\"uri\":\"" + b2.url() + "\",\"weight\":7", "\"state\":\"up\"", "\"oldest\":[]", "\"busiest\":[]"))
            assertTrue(json.body().contains(expected), expected + " in " + json.body());
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/_wsproxy/status"))).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
        assertFalse(page.body().contains("http://") || page.body().contains("https://"), "the page loads nothing from elsewhere");
    }
}
