package org.wsproxy.websocket;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.CoreBackend;
import org.wsproxy.testing.CoreEndpoint;
import org.wsproxy.testing.LogCapture;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's per-session limits through the real webapp: message size counted over fragments (1009 to the
 * sender, 1001 to the other hop), message and byte rates (1008, or with overRate=slow, a slowed sender that
 * loses nothing), each counted per route and cause on the admin endpoint and logged. The close codes are read
 * by websocket-core peers, which record the close frame as it arrives. A peer still writing when the proxy closes
 * it with 1009, 1008 or 1001 gets that code too: the proxy's connection lingers after such a close instead of
 * being dropped with bytes unread (see {@code LingeringCloseTest}, which watches TCP itself).
 */
public class RelayLimitsTest
{
    private static final String TOKEN = "0123456789abcdef-token";

    private TestBackend backend;
    private CoreBackend listener;
    private ProxyServer proxy;
    private WebSocketClient client;
    private WebSocketCoreClient coreClient;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    public void start() throws Exception
    {
        backend = new TestBackend("b1").start();
        client = new WebSocketClient();
        client.setMaxBinaryMessageSize(64 << 20);
        client.setMaxTextMessageSize(64 << 20);
        client.start();
        coreClient = new WebSocketCoreClient();
        coreClient.start();
    }

    private void startProxy(String... params) throws Exception
    {
        startProxyTo(backend.url(), params);
    }

    /** The proxy in front of a websocket-core backend that only listens, or echoes when {@code echo}. */
    private CoreBackend startProxyToCoreBackend(boolean echo, String... params) throws Exception
    {
        listener = new CoreBackend();
        listener.echo = echo;
        listener.start();
        startProxyTo(listener.url(), params);
        return listener;
    }

    private void startProxyTo(String backendUrl, String... params) throws Exception
    {
        proxy = new ProxyServer().route("main", "/", backendUrl)
            .param("wsproxy.admin.path", "/_wsproxy/pools").param("wsproxy.admin.token", TOKEN);
        for (int i = 0; i < params.length; i += 2)
            proxy.param(params[i], params[i + 1]);
        proxy.start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        coreClient.stop();
        client.stop();
        if (proxy != null)
            proxy.stop();
        if (listener != null)
            listener.stop();
        backend.stop();
    }

    private Session connect(Object endpoint, String path) throws Exception
    {
        return client.connect(endpoint, URI.create(proxy.wsUrl(path))).get(10, TimeUnit.SECONDS);
    }

    private CoreEndpoint connectCore(String path) throws Exception
    {
        CoreEndpoint endpoint = new CoreEndpoint(false);
        coreClient.connect(CoreClientUpgradeRequest.from(coreClient, URI.create(proxy.wsUrl(path)), endpoint)).get(10, TimeUnit.SECONDS);
        return endpoint;
    }

    private String admin() throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create(proxy.httpUrl("/_wsproxy/pools")))
            .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private static void sendPartial(Session session, byte[] bytes, boolean last) throws Exception
    {
        Callback.Completable sent = new Callback.Completable();
        session.sendPartialBinary(ByteBuffer.wrap(bytes), last, sent);
        sent.get(5, TimeUnit.SECONDS);
    }

    @Test
    public void aClientMessageOverTheSizeInFragmentsClosesTheClientWith1009AndTheBackendWith1001() throws Exception
    {
        CoreBackend listening = startProxyToCoreBackend(false, "wsproxy.maxClientMessageSize", "1KiB");
        try (LogCapture log = new LogCapture())
        {
            CoreEndpoint endpoint = connectCore("/ws/echo");
            // A 1,200-byte message in a binary frame and two continuation frames of 400 bytes, each under the
            // limit: the first two pass (800 bytes of the message so far), the third makes it too big.
            endpoint.send(new Frame(OpCode.BINARY, false, ByteBuffer.allocate(400)));
            endpoint.send(new Frame(OpCode.CONTINUATION, false, ByteBuffer.allocate(400)));
            endpoint.send(new Frame(OpCode.CONTINUATION, true, ByteBuffer.allocate(400)));
            String clientClose = endpoint.closed.get(10, TimeUnit.SECONDS);
            assertTrue(clientClose.startsWith("1009 "), clientClose);
            String backendClose = listening.sessions.poll(5, TimeUnit.SECONDS).closed.get(10, TimeUnit.SECONDS);
            assertTrue(backendClose.startsWith("1001 "), backendClose);
            TestBackend.awaitTrue(() -> !log.lines("message over 1024 bytes").isEmpty(), 5000);
        }
        assertTrue(admin().contains("websocket route main messageTooBig client=1 backend=0 "), admin());
    }

    @Test
    public void messagesUnderTheSizeInManyFragmentsPass() throws Exception
    {
        startProxy("wsproxy.maxClientMessageSize", "1KiB");
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        for (int round = 0; round < 3; round++)
        {
            // 1,000 bytes in 10 fragments, three times: the count starts again with each message.
            for (int i = 0; i < 10; i++)
                sendPartial(session, new byte[100], i == 9);
            ByteBuffer echoed = recorder.binaries.poll(10, TimeUnit.SECONDS);
            assertNotNull(echoed);
            assertEquals(1000, echoed.remaining());
        }
        session.close(1000, "done", Callback.NOOP);
        assertEquals("1000 done", recorder.awaitClose());
    }

    @Test
    public void aBackendMessageOverTheRoutesSizeClosesTheBackendWith1009AndTheClientWith1001() throws Exception
    {
        // The route's own value overrides the default. The backend echoes a 20 KiB text in one frame, which the
        // proxy reads in pieces of 4 KiB: the fifth piece makes it more than 19 KiB.
        CoreBackend echoing = startProxyToCoreBackend(true, "wsproxy.maxBackendMessageSize", "1MiB",
            "wsproxy.route.main.maxBackendMessageSize", "19KiB", "wsproxy.maxFrameSize", "4KiB");
        CoreEndpoint endpoint = connectCore("/ws/echo");
        endpoint.send(new Frame(OpCode.TEXT, "x".repeat(20 * 1024)));
        String clientClose = endpoint.closed.get(10, TimeUnit.SECONDS);
        assertTrue(clientClose.startsWith("1001 "), clientClose);
        String backendClose = echoing.sessions.poll(5, TimeUnit.SECONDS).closed.get(10, TimeUnit.SECONDS);
        // The backend is still writing its echo when the proxy's 1009 comes: the proxy's connection lingers
        // rather than meet it with a reset, so the backend reads its 1009.
        assertTrue(backendClose.startsWith("1009 "), backendClose);
        assertTrue(admin().contains("messageTooBig client=0 backend=1 "), admin());
    }

    @Test
    public void aClientOverItsMessageRateIsClosedWith1008AndTheBackendWith1001() throws Exception
    {
        CoreBackend listening = startProxyToCoreBackend(false, "wsproxy.clientMessageRate", "5", "wsproxy.rateBurst", "1s");
        CoreEndpoint endpoint = connectCore("/ws/echo");
        // The burst of 5 passes, the sixth message is over the rate.
        for (int i = 0; i < 6; i++)
            endpoint.send(new Frame(OpCode.TEXT, "m" + i));
        String clientClose = endpoint.closed.get(10, TimeUnit.SECONDS);
        assertTrue(clientClose.startsWith("1008 "), clientClose);
        CoreEndpoint backendSide = listening.sessions.poll(5, TimeUnit.SECONDS);
        String backendClose = backendSide.closed.get(10, TimeUnit.SECONDS);
        assertTrue(backendClose.startsWith("1001 "), backendClose);
        assertEquals("[m0, m1, m2, m3, m4]", backendSide.texts.toString());
        assertTrue(admin().contains("overRate client=1 backend=0 "), admin());
    }

    @Test
    public void overTheMessageRateWithSlowTheClientIsSlowedAndLosesNothing() throws Exception
    {
        startProxy("wsproxy.clientMessageRate", "20", "wsproxy.rateBurst", "100ms", "wsproxy.overRate", "slow");
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        long start = System.nanoTime();
        for (int i = 0; i < 40; i++)
            session.sendText("m" + i, Callback.NOOP);
        for (int i = 0; i < 40; i++)
            assertEquals("m" + i, recorder.nextText());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // 40 messages at 20 a second with a burst of 2: about 1.9 s, never less (a lower bound, not a speed).
        assertTrue(millis >= 1500, "40 messages at 20/s took only " + millis + " ms");
        session.close(1000, "done", Callback.NOOP);
        assertEquals("1000 done", recorder.awaitClose());
        String admin = admin();
        assertTrue(admin.contains("overRate client=0 backend=0 "), admin);
        assertTrue(!admin.contains("slowed client=0 "), admin);
    }

    @Test
    public void overTheByteRateWithSlowTheBackendIsSlowedAndEveryByteArrives() throws Exception
    {
        startProxy("wsproxy.route.main.backendByteRate", "256KiB", "wsproxy.route.main.overRate", "slow");
        BackpressureTest.SlowReader reader = new BackpressureTest.SlowReader();
        long start = System.nanoTime();
        connect(reader, "/ws/flood?bytes=1048576&chunk=65536");
        reader.resume();
        assertEquals("done", reader.done.get(60, TimeUnit.SECONDS));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(1L << 20, reader.received.get());
        assertEquals(0, reader.corrupt.get());
        // 1 MiB at 256 KiB/s with a one-second burst: about 3 s, never less (a lower bound, not a speed).
        assertTrue(millis >= 2500, "1 MiB at 256 KiB/s took only " + millis + " ms");
        assertTrue(admin().contains("overRate client=0 backend=0 slowed client=0 backend="), admin());
        assertTrue(!admin().contains("slowed client=0 backend=0 "), admin());
    }
}
