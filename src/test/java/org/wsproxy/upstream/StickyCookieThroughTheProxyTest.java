package org.wsproxy.upstream;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sticky cookie through the real webapp, on a round-robin pool of two: set on the first HTTP answer,
 * then every poll and the WebSocket upgrade on the same path reach the same backend; set on a 101 too;
 * a forged value is balanced and replaced.
 */
public class StickyCookieThroughTheProxyTest
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

    private ProxyServer proxy() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        ProxyServer proxy = new ProxyServer().pool("chat", b1.url() + " " + b2.url())
            .param("wsproxy.pool.chat.stickyCookie", "WSPROXY_B").poolRoute("ws", "/", "chat");
        started.push(proxy::stop);
        return proxy.start();
    }

    private HttpResponse<String> poll(ProxyServer proxy, String cookie) throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo/socket.io/?EIO=4&transport=polling")))
            .timeout(Duration.ofSeconds(20));
        if (cookie != null)
            request.header("Cookie", cookie);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cookieOf(List<String> setCookies)
    {
        String setCookie = setCookies.stream().filter(c -> c.startsWith("WSPROXY_B=")).findFirst().orElse(null);
        return setCookie == null ? null : setCookie.substring(0, setCookie.indexOf(';'));
    }

    @Test
    public void pollThenUpgradeStayOnOneBackend() throws Exception
    {
        ProxyServer proxy = proxy();
        for (int client = 0; client < 4; client++)
        {
            HttpResponse<String> first = poll(proxy, null);
            String backend = first.headers().firstValue("X-Backend").orElseThrow();
            String cookie = cookieOf(first.headers().allValues("Set-Cookie"));
            assertNotNull(cookie, "no sticky cookie on the first answer");
            for (int i = 0; i < 5; i++)
            {
                HttpResponse<String> next = poll(proxy, cookie);
                assertEquals(backend, next.headers().firstValue("X-Backend").orElseThrow());
                // Already stuck: not set again.
                assertNull(cookieOf(next.headers().allValues("Set-Cookie")));
            }
            ClientUpgradeRequest upgrade = new ClientUpgradeRequest(URI.create(proxy.wsUrl("/ws/echo")));
            upgrade.setHeader("Cookie", cookie);
            Recorder recorder = new Recorder();
            Session session = client == 0 ? null : null;
            session = this.client.connect(recorder, upgrade).get(10, TimeUnit.SECONDS);
            assertEquals(backend, session.getUpgradeResponse().getHeader("X-Backend"));
            assertNull(cookieOf(session.getUpgradeResponse().getHeaders("Set-Cookie")));
            session.close();
            recorder.awaitClose();
        }
    }

    @Test
    public void upgradeWithoutCookieGetsOneOnThe101AndForgedCookiesAreReplaced() throws Exception
    {
        ProxyServer proxy = proxy();
        Recorder recorder = new Recorder();
        Session session = client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
        String backend = session.getUpgradeResponse().getHeader("X-Backend");
        String cookie = cookieOf(session.getUpgradeResponse().getHeaders("Set-Cookie"));
        assertNotNull(cookie);
        session.close();
        recorder.awaitClose();
        for (int i = 0; i < 3; i++)
            assertEquals(backend, poll(proxy, cookie).headers().firstValue("X-Backend").orElseThrow());

        // A forged value (the other backend's id with a made-up MAC) is balanced and gets a real cookie back.
        String value = cookie.substring("WSPROXY_B=".length());
        String forged = "WSPROXY_B=" + value.substring(0, value.indexOf('.') + 1) + "AAAAAAAAAAAAAAAAAAAAAA";
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 4; i++)
        {
            HttpResponse<String> response = poll(proxy, forged);
            seen.add(response.headers().firstValue("X-Backend").orElseThrow());
            assertTrue(cookieOf(response.headers().allValues("Set-Cookie")) != null);
        }
        assertEquals(2, seen.size());
    }
}
