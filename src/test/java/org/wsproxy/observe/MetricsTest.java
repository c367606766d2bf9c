package org.wsproxy.observe;

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
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scraped numbers follow real traffic through the proxy, exactly where the test makes the traffic: sessions
 * opened and live per route and backend, frames and bytes per direction while a session lives and after it ended,
 * close codes per side, handshake failures by cause (the backend's 403, the backend's 503 after a retry, no
 * eligible backend once both were ejected, the proxy's own refusal), ejections and health state, HTTP requests
 * by status class; and the endpoint is off by default and refuses callers outside its allow-list.
 */
public class MetricsTest
{
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

    private int get(ProxyServer proxy, String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl(path))).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.call())
        {
            if (System.nanoTime() - deadline > 0)
                throw new AssertionError("not within 20 s: " + what);
            Thread.sleep(20);
        }
    }

    @Test
    public void offByDefaultItsPathIsProxied() throws Exception
    {
        TestBackend b1 = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", b1.url()));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/_wsproxy/metrics"))).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals("b1", response.headers().firstValue("X-Backend").orElse("?"));
    }

    @Test
    public void callersOutsideTheAllowListGet403() throws Exception
    {
        TestBackend b1 = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", b1.url())
            .param("wsproxy.observe.path", "/_wsproxy").param("wsproxy.observe.allow", "10.0.0.0/8"));
        for (String path : java.util.List.of("/_wsproxy/metrics", "/_wsproxy/status", "/_wsproxy/status.json", "/_wsproxy"))
            assertEquals(403, get(proxy, path), path);
    }

    @Test
    public void scrapedNumbersFollowTheTraffic() throws Exception
    {
        TestBackend b1 = started.backend("b1");
        TestBackend b2 = started.backend("b2");
        ProxyServer proxy = started.proxy(new ProxyServer().pool("chat", b1.url() + " " + b2.url())
            .param("wsproxy.pool.chat.failTimeout", "5m").poolRoute("ws", "/", "chat").param("wsproxy.observe.path", "/_wsproxy"));
        String metrics = proxy.httpUrl("/_wsproxy/metrics");
        Scrape before = Scrape.of(metrics);
        assertEquals(0, before.count("wsproxy_websocket_sessions_live", "route", "ws"));
        assertEquals(1, before.count("wsproxy_backend_state", "backend", b1.url(), "state", "up"));
        assertTrue(before.value("jvm_threads_live_threads") > 0, "JVM metrics");
        assertTrue(before.value("jetty_threads_config_max") > 0, "Jetty thread pool metrics");

        // Two sessions, one on each backend (round robin); three 5-byte messages echoed on the first.
        Recorder r1 = new Recorder();
        Session s1 = client.connect(r1, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
        Recorder r2 = new Recorder();
        Session s2 = client.connect(r2, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++)
        {
            s1.sendText("hello", org.eclipse.jetty.websocket.api.Callback.NOOP);
            assertEquals("hello", r1.nextText());
        }
        Scrape live = Scrape.of(metrics);
        assertEquals(2, live.count("wsproxy_websocket_sessions_live", "route", "ws"));
        assertEquals(2, live.count("wsproxy_websocket_sessions_opened_total", "route", "ws"));
        assertEquals(1, live.count("wsproxy_backend_sessions_live", "backend", b1.url()));
        assertEquals(1, live.count("wsproxy_backend_sessions_live", "backend", b2.url()));
        // Counted while the sessions live, not only when they end.
        assertEquals(3, live.count("wsproxy_websocket_frames_total", "route", "ws", "direction", "client_to_backend"));
        assertEquals(3, live.count("wsproxy_websocket_frames_total", "route", "ws", "direction", "backend_to_client"));
        assertEquals(15, live.count("wsproxy_websocket_payload_bytes_total", "route", "ws", "direction", "client_to_backend"));
        assertEquals(2, live.count("wsproxy_websocket_handshake_duration_seconds_count", "route", "ws", "hop", "backend"));
        assertEquals(2, live.count("wsproxy_websocket_handshake_duration_seconds_count", "route", "ws", "hop", "client"));

        s1.close(1000, "bye", org.eclipse.jetty.websocket.api.Callback.NOOP);
        r1.awaitClose();
        await("the first session's end counted", () -> Scrape.of(metrics).count("wsproxy_websocket_session_duration_seconds_count", "route", "ws") == 1);
        Scrape ended = Scrape.of(metrics);
        assertEquals(1, ended.count("wsproxy_websocket_sessions_live", "route", "ws"));
        assertEquals(1, ended.count("wsproxy_websocket_closes_total", "side", "client", "code", "1000"));
        assertEquals(1, ended.count("wsproxy_websocket_closes_total", "side", "backend", "code", "1000"));
        // Folded into the totals at the end: the counters did not move back.
        assertEquals(3, ended.count("wsproxy_websocket_frames_total", "route", "ws", "direction", "client_to_backend"));
        assertEquals(15, ended.count("wsproxy_websocket_payload_bytes_total", "route", "ws", "direction", "backend_to_client"));

        // The backend's own refusal (403) is passed on, not retried.
        Recorder refused = new Recorder();
        assertTrue(failsToConnect(refused, proxy.wsUrl("/ws/reject")));
        // 503 from one backend, retried on the other, 503 again: both are ejected (maxFails 1).
        assertTrue(failsToConnect(new Recorder(), proxy.wsUrl("/ws/unavailable/x")));
        // And the proxy's own refusal: a malformed upgrade.
        RawHttp.Response malformed = RawHttp.exchange(proxy.port(), "GET /ws/echo HTTP/1.1", "Host: 127.0.0.1", "Connection: Upgrade", "Upgrade: websocket",
            "Sec-WebSocket-Version: 8", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Connection: close");
        assertEquals(426, malformed.status());
        Scrape failures = Scrape.of(metrics);
        assertEquals(1, failures.count("wsproxy_websocket_handshakes_failed_total", "route", "ws", "cause", "backend_4xx"));
        assertEquals(1, failures.count("wsproxy_websocket_handshakes_failed_total", "route", "ws", "cause", "backend_5xx"));
        assertEquals(1, failures.count("wsproxy_websocket_handshakes_failed_total", "route", "ws", "cause", "rejected"));
        assertEquals(0, failures.count("wsproxy_websocket_handshakes_failed_total", "route", "ws", "cause", "refused"));
        assertEquals(1, failures.count("wsproxy_retries_total", "route", "ws", "protocol", "websocket"));
        for (TestBackend b : java.util.List.of(b1, b2))
        {
            assertEquals(1, failures.count("wsproxy_backend_ejections_total", "backend", b.url()));
            assertEquals(1, failures.count("wsproxy_backend_state", "backend", b.url(), "state", "ejected"));
            assertEquals(0, failures.count("wsproxy_backend_state", "backend", b.url(), "state", "up"));
        }

        // Both drained from the status page's action: nothing is eligible, for WebSocket and HTTP alike.
        StatusActions actions = StatusActions.of(proxy);
        assertEquals(200, actions.post("chat", b1.url(), "drain").statusCode());
        assertEquals(200, actions.post("chat", b2.url(), "drain").statusCode());
        assertTrue(failsToConnect(new Recorder(), proxy.wsUrl("/ws/echo")));
        assertEquals(503, get(proxy, "/http/hello"));
        Scrape drained = Scrape.of(metrics);
        assertEquals(1, drained.count("wsproxy_websocket_handshakes_failed_total", "route", "ws", "cause", "no_backend"));
        assertEquals(1, drained.count("wsproxy_http_requests_seconds_count", "route", "ws", "status", "5xx"));
        assertEquals(0, drained.count("wsproxy_http_requests_seconds_count", "route", "ws", "status", "2xx"));
        // The live session is untouched by all that.
        s2.sendText("still here", org.eclipse.jetty.websocket.api.Callback.NOOP);
        assertEquals("still here", r2.nextText());
        assertEquals(1, Scrape.of(metrics).count("wsproxy_websocket_sessions_live", "route", "ws"));
        s2.close();
        r2.awaitClose();
    }

    @Test
    public void httpRequestsByStatusClassAndFailover() throws Exception
    {
        TestBackend b1 = started.backend("b1");
        TestBackend b2 = started.backend("b2");
        int deadPort = b2.port();
        b2.stop();
        ProxyServer proxy = started.proxy(new ProxyServer().pool("web", "http://127.0.0.1:" + deadPort + " " + b1.url())
            .param("wsproxy.pool.web.failTimeout", "5m").poolRoute("app", "/", "web").param("wsproxy.observe.path", "/_wsproxy"));
        String metrics = proxy.httpUrl("/_wsproxy/metrics");
        // The first goes to the dead backend, fails to connect, and is tried again on b1.
        for (int i = 0; i < 4; i++)
            assertEquals(200, get(proxy, "/http/hello"));
        await("four 2xx counted", () -> Scrape.of(metrics).count("wsproxy_http_requests_seconds_count", "route", "app", "status", "2xx") == 4);
        Scrape scrape = Scrape.of(metrics);
        assertEquals(1, scrape.count("wsproxy_retries_total", "route", "app", "protocol", "http"));
        assertEquals(1, scrape.count("wsproxy_failovers_total", "route", "app", "protocol", "http"));
        assertEquals(1, scrape.count("wsproxy_backend_failures_total", "backend", "http://127.0.0.1:" + deadPort));
        assertEquals(0, scrape.count("wsproxy_http_requests_seconds_count", "route", "app", "status", "5xx"));
    }

    private boolean failsToConnect(Recorder recorder, String url) throws Exception
    {
        try
        {
            client.connect(recorder, URI.create(url)).get(10, TimeUnit.SECONDS).close();
            return false;
        }
        catch (java.util.concurrent.ExecutionException x)
        {
            return true;
        }
    }
}
