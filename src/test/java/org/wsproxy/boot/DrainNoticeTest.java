package org.wsproxy.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.config.ConfigException;
import org.wsproxy.config.Params;
import org.wsproxy.config.ProxyConfigParser;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain's notice ({@code wsproxy.drainNotice}), for a load balancer that takes the instance out when the readiness
 * path turns 503: for that long the instance still serves new requests and upgrades (the balancer has not seen the 503
 * yet, and a kept-alive connection through an L4 balancer stays pinned here), each HTTP answer closing its connection
 * so the client's next request goes through the balancer again; only then do new requests and upgrades get 503.
 * Without the notice, a request in the balancer's detection window, or on a kept-alive connection, got 503.
 */
public class DrainNoticeTest
{
    private static final String TOKEN = "0123456789abcdef-notice";
    private static final String[] UPGRADE = {"GET /ws/echo HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"};
    private static final int TIMEOUT_MS = 20_000;

    private TestBackend backend;
    private ProxyServer proxy;
    private WebSocketClient client;

    @BeforeEach
    public void start() throws Exception
    {
        backend = new TestBackend("b1").start();
        client = new WebSocketClient();
        client.start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        client.stop();
        if (proxy != null)
            proxy.stop();
        backend.stop();
    }

    private void startProxy(String notice, String timeout) throws Exception
    {
        proxy = new ProxyServer().route("main", "/", backend.url())
            .param("wsproxy.drainNotice", notice)
            .param("wsproxy.drainTimeout", timeout)
            .param("wsproxy.drainSpread", "0s")
            .param("wsproxy.readinessPath", "/_wsproxy/ready")
            .param("wsproxy.admin.path", "/_wsproxy/pools")
            .param("wsproxy.admin.token", TOKEN)
            .start();
    }

    private void drain() throws IOException
    {
        assertEquals(202, RawHttp.exchange(proxy.port(), "POST /_wsproxy/pools?action=drain HTTP/1.1", "Host: 127.0.0.1",
            "Authorization: Bearer " + TOKEN, "Content-Length: 0", "Connection: close").status());
    }

    /** A GET on its own connection, which the client would keep alive: what comes back until the server closes it. */
    private static String keptAliveGet(Socket socket, String path) throws IOException
    {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        // Read to the end of the stream: only a server that closes the connection ends it (else the read times out).
        InputStream in = socket.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private static Socket connect(int port) throws IOException
    {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
        socket.setSoTimeout(TIMEOUT_MS);
        return socket;
    }

    @Test
    public void duringTheNoticeRequestsAndUpgradesAreServedAndEachHttpAnswerClosesItsConnection() throws Exception
    {
        // Notice and timeout long enough that a loaded machine does not reach their end during the checks (which take
        // well under a second); the stop after the test waits for the notice to end.
        startProxy("8s", "8s");
        try (RawHttp.Connection keptAlive = RawHttp.open(proxy.port()); Socket raw = connect(proxy.port()))
        {
            // Opened and used before the drain, as a balancer's connection or a browser's would be.
            RawHttp.Response before = keptAlive.exchange("GET /http/before HTTP/1.1", "Host: 127.0.0.1");
            assertEquals(200, before.status());
            assertEquals(null, before.header("Connection"));
            drain();

            RawHttp.Response ready = RawHttp.exchange(proxy.port(), "GET /_wsproxy/ready HTTP/1.1", "Host: 127.0.0.1", "Connection: close");
            assertEquals(503, ready.status());
            assertEquals("draining\n", ready.body());

            RawHttp.Response during = keptAlive.exchange("GET /http/during HTTP/1.1", "Host: 127.0.0.1");
            assertEquals(200, during.status());
            assertTrue(during.body().startsWith("backend=b1"), during.body());
            assertEquals("close", during.header("Connection"));

            String answer = keptAliveGet(raw, "/http/raw");
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n"), answer);

            assertEquals(101, RawHttp.exchange(proxy.port(), UPGRADE).status());
            Recorder recorder = new Recorder();
            client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS)
                .sendText("during the notice", org.eclipse.jetty.websocket.api.Callback.NOOP);
            assertEquals("during the notice", recorder.nextText());
        }
    }

    @Test
    public void afterTheNoticeNewRequestsAndUpgradesGet503AndSessionsOpenedDuringItGet1001() throws Exception
    {
        startProxy("2s", "4s");
        drain();
        // Opened during the notice (2 s): the upgrade is served.
        Recorder recorder = new Recorder();
        client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int status;
        while ((status = RawHttp.exchange(proxy.port(), "GET /http/after HTTP/1.1", "Host: 127.0.0.1", "Connection: close").status()) != 503
            && System.nanoTime() < deadline)
            Thread.sleep(100);
        assertEquals(503, status, "new requests are still served after the notice");
        RawHttp.Response upgrade = RawHttp.exchange(proxy.port(), UPGRADE);
        assertEquals(503, upgrade.status());
        assertEquals("close", upgrade.header("Connection"));

        // The session opened during the notice is closed with the others at the end of drainTimeout.
        assertEquals("1001 " + GracefulDrain.REASON, recorder.closed.get(30, TimeUnit.SECONDS));
    }

    @Test
    public void aNoticeLongerThanTheDrainTimeoutIsRefused()
    {
        Map<String, String> raw = new HashMap<>();
        raw.put("wsproxy.routes", "main");
        raw.put("wsproxy.route.main.path", "/");
        raw.put("wsproxy.route.main.backends", "http://127.0.0.1:8081");
        assertEquals(Duration.ZERO, ProxyConfigParser.parse(new Params(raw, ProxyConfigParser.PREFIX)).drain().notice());
        raw.put("wsproxy.drainTimeout", "5s");
        raw.put("wsproxy.drainNotice", "5s");
        assertEquals(Duration.ofSeconds(5), ProxyConfigParser.parse(new Params(raw, ProxyConfigParser.PREFIX)).drain().notice());
        raw.put("wsproxy.drainNotice", "6s");
        ConfigException x = assertThrows(ConfigException.class, () -> ProxyConfigParser.parse(new Params(raw, ProxyConfigParser.PREFIX)));
        assertEquals("wsproxy.drainNotice", x.getParameter());
        assertEquals("6s", x.getValue());
        assertTrue(x.getMessage().contains("wsproxy.drainTimeout (5s)"), x.getMessage());
    }
}
