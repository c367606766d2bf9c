package org.wsproxy.websocket;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frames, control frames and closes through the proxy, between a real Jetty client and a real backend. */
public class WebSocketRelayTest
{
    private TestBackend backend;
    private ProxyServer proxy;
    private WebSocketClient client;

    @BeforeEach
    public void start() throws Exception
    {
        backend = new TestBackend("b1").start();
        client = new WebSocketClient();
        client.setMaxBinaryMessageSize(64 << 20);
        client.setMaxTextMessageSize(64 << 20);
        client.start();
    }

    private void startProxy(String... params) throws Exception
    {
        proxy = new ProxyServer().route("main", "/", backend.url());
        for (int i = 0; i < params.length; i += 2)
            proxy.param(params[i], params[i + 1]);
        proxy.start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        client.stop();
        if (proxy != null)
            proxy.stop();
        backend.stop();
    }

    private Session connect(Recorder recorder, String path) throws Exception
    {
        return client.connect(recorder, URI.create(proxy.wsUrl(path))).get(10, TimeUnit.SECONDS);
    }

    @Test
    public void clientCloseCodeAndReasonReachBackendAndComeBack() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        session.sendText("hello", Callback.NOOP);
        assertEquals("hello", recorder.nextText());
        session.close(4001, "bye", Callback.NOOP);
        assertEquals("4001 bye", recorder.awaitClose());
        assertEquals("4001 bye", backend.closes.poll(10, TimeUnit.SECONDS));
    }

    /**
     * A close passed on to a hop that has been quiet for longer than the time the relay gives a hop to answer a
     * close (5 s) must still go out as sent: shortening that hop's idle timeout must not expire it on the spot,
     * which made websocket-core close it with its own 1001 "Connection Idle Timeout" instead.
     */
    @Test
    public void closeReachesAHopThatWasQuietLongerThanTheCloseTimeout() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        session.sendText("hello", Callback.NOOP);
        assertEquals("hello", recorder.nextText());
        Thread.sleep(6_500); // longer than the relay's close timeout (Relay.CLOSE_TIMEOUT, 5 s)
        session.close(4001, "bye after a quiet spell", Callback.NOOP);
        assertEquals("4001 bye after a quiet spell", backend.closes.poll(10, TimeUnit.SECONDS));
        assertEquals("4001 bye after a quiet spell", recorder.awaitClose());
    }

    @Test
    public void backendCloseCodeAndReasonReachClient() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        session.sendText("close:4002:server says bye", Callback.NOOP);
        assertEquals("4002 server says bye", recorder.awaitClose());
        // The backend's close was answered by the client, through the proxy, with the same code.
        assertEquals("4002 server says bye", backend.closes.poll(10, TimeUnit.SECONDS));
    }

    @Test
    public void backendCloseCompletesWhileTheClientIsStillSending() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        session.sendText("close:4003:enough", Callback.NOOP);
        for (int i = 0; i < 200; i++)
            session.sendText("more " + i, Callback.NOOP);
        assertEquals("4003 enough", recorder.awaitClose());
        // Frames the client sent after the backend closed are dropped, but the client's close reply still
        // reaches the backend at once, not after the proxy's 5 s close timeout.
        assertEquals("4003 enough", backend.closes.poll(3, TimeUnit.SECONDS));
    }

    @Test
    public void closeWithoutStatusStaysWithoutStatus() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        session.close(1005, null, Callback.NOOP);
        assertEquals("1005 null", backend.closes.poll(10, TimeUnit.SECONDS));
        assertTrue(recorder.awaitClose().startsWith("1005"));
    }

    @Test
    public void binaryEmptyAndFragmentedMessagesArriveIntact() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");

        byte[] bytes = new byte[100_000];
        for (int i = 0; i < bytes.length; i++)
            bytes[i] = (byte)i;
        session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
        assertArrayEquals(bytes, toArray(recorder.binaries.poll(10, TimeUnit.SECONDS)));

        session.sendBinary(ByteBuffer.allocate(0), Callback.NOOP);
        assertEquals(0, recorder.binaries.poll(10, TimeUnit.SECONDS).remaining());
        session.sendText("", Callback.NOOP);
        assertEquals("", recorder.nextText());

        // Fragments, with a multi-byte character split across two of them.
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        Callback.Completable first = new Callback.Completable();
        session.sendPartialText("frag-1 ", false, first);
        first.get(5, TimeUnit.SECONDS);
        Callback.Completable second = new Callback.Completable();
        session.sendPartialText("frag-2 ", false, second);
        second.get(5, TimeUnit.SECONDS);
        session.sendPartialText("€ end", true, Callback.NOOP);
        assertEquals("frag-1 frag-2 € end", recorder.nextText());
        assertEquals(3, euro.length);

        Callback.Completable b1 = new Callback.Completable();
        session.sendPartialBinary(ByteBuffer.wrap(new byte[]{1, 2}), false, b1);
        b1.get(5, TimeUnit.SECONDS);
        session.sendPartialBinary(ByteBuffer.wrap(new byte[]{3}), true, Callback.NOOP);
        assertArrayEquals(new byte[]{1, 2, 3}, toArray(recorder.binaries.poll(10, TimeUnit.SECONDS)));
    }

    @Test
    public void sixteenMegabyteMessagesRelayWithDefaultSettings() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        byte[] bytes = new byte[16 << 20];
        new java.util.Random(42).nextBytes(bytes);
        session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
        ByteBuffer echoed = recorder.binaries.poll(30, TimeUnit.SECONDS);
        assertNotNull(echoed, "16 MiB binary message not echoed");
        assertArrayEquals(bytes, toArray(echoed));

        String text = "x".repeat(16 << 20);
        session.sendText(text, Callback.NOOP);
        String echoedText = recorder.texts.poll(30, TimeUnit.SECONDS);
        assertNotNull(echoedText, "16 MiB text message not echoed");
        assertEquals(text.length(), echoedText.length());
        assertEquals(text, echoedText);
    }

    @Test
    public void pingFromClientReachesBackendAndItsPongComesBack() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        session.sendPing(ByteBuffer.wrap("hb-1".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
        assertEquals("hb-1", backend.pings.poll(10, TimeUnit.SECONDS));
        assertEquals("hb-1", recorder.pongs.poll(10, TimeUnit.SECONDS));
    }

    @Test
    public void pingBetweenTheFragmentsOfAMessageIsRelayedAndTheMessageStaysWhole() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        Callback.Completable first = new Callback.Completable();
        session.sendPartialText("before ", false, first);
        first.get(5, TimeUnit.SECONDS);
        Callback.Completable ping = new Callback.Completable();
        session.sendPing(ByteBuffer.wrap("mid".getBytes(StandardCharsets.UTF_8)), ping);
        ping.get(5, TimeUnit.SECONDS);
        session.sendPartialText("after", true, Callback.NOOP);
        assertEquals("mid", backend.pings.poll(10, TimeUnit.SECONDS));
        assertEquals("mid", recorder.pongs.poll(10, TimeUnit.SECONDS));
        assertEquals("before after", recorder.nextText());
    }

    @Test
    public void aBurstOfSmallMessagesArrivesWholeAndInOrder() throws Exception
    {
        // Many small frames come in one read: the relay batches them to the other hop and flushes when the
        // read drains; none may be lost, reordered or left unflushed.
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        int count = 2_000;
        for (int i = 0; i < count; i++)
            session.sendText("m" + i, Callback.NOOP);
        for (int i = 0; i < count; i++)
            assertEquals("m" + i, recorder.nextText());
        byte[] last = new byte[]{9, 8, 7};
        session.sendBinary(ByteBuffer.wrap(last), Callback.NOOP);
        assertArrayEquals(last, toArray(recorder.binaries.poll(10, TimeUnit.SECONDS)));
    }

    @Test
    public void pingFromBackendReachesClientAndItsPongComesBack() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        // The backend pings the client; Jetty's client answers with a pong, which the backend reports as text.
        session.sendText("ping:from-backend", Callback.NOOP);
        assertEquals("pong:from-backend", recorder.nextText());
    }

    @Test
    public void subprotocolOfferedByClientIsChosenByBackend() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        ClientUpgradeRequest request = new ClientUpgradeRequest(URI.create(proxy.wsUrl("/ws/echo")));
        request.setSubProtocols("v1.chat", "v2.chat");
        Session session = client.connect(recorder, request).get(10, TimeUnit.SECONDS);
        assertEquals("v2.chat", session.getUpgradeResponse().getAcceptedSubProtocol());
        Map<String, List<String>> seen = backend.handshakes.poll(5, TimeUnit.SECONDS);
        assertEquals("v1.chat, v2.chat", String.join(", ", seen.get("Sec-WebSocket-Protocol")));
        assertEquals("b1", session.getUpgradeResponse().getHeader("X-Backend"));
        session.close();
    }

    @Test
    public void endToEndHeadersPassAndForwardedHeadersDescribeTheClient() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        ClientUpgradeRequest request = new ClientUpgradeRequest(URI.create(proxy.wsUrl("/ws/echo?room=1")));
        request.setHeader("Origin", "https://app.example");
        request.setHeader("Cookie", "sid=abc");
        request.setHeader("Authorization", "Bearer t0k3n");
        request.setHeader("User-Agent", "test-agent/1");
        request.setHeader("X-Custom", "custom-value");
        request.setHeader("X-Forwarded-For", "6.6.6.6");
        request.setHeader("Forwarded", "for=6.6.6.6");
        Session session = client.connect(recorder, request).get(10, TimeUnit.SECONDS);
        Map<String, List<String>> seen = backend.handshakes.poll(5, TimeUnit.SECONDS);
        assertEquals(List.of("https://app.example"), seen.get("Origin"));
        assertEquals(List.of("sid=abc"), seen.get("Cookie"));
        assertEquals(List.of("Bearer t0k3n"), seen.get("Authorization"));
        assertEquals(List.of("test-agent/1"), seen.get("User-Agent"));
        assertEquals(List.of("custom-value"), seen.get("X-Custom"));
        assertEquals(List.of("127.0.0.1"), seen.get("X-Forwarded-For"));
        assertEquals(List.of("http"), seen.get("X-Forwarded-Proto"));
        assertEquals(List.of("127.0.0.1:" + proxy.port()), seen.get("X-Forwarded-Host"));
        assertEquals(List.of(String.valueOf(proxy.port())), seen.get("X-Forwarded-Port"));
        assertEquals(List.of("for=127.0.0.1;proto=http;host=\"127.0.0.1:" + proxy.port() + "\""), seen.get("Forwarded"));
        // Host is the backend's own unless preserveHost is set.
        assertEquals(List.of("127.0.0.1:" + backend.port()), seen.get("Host"));
        // The handshake's per-hop headers are the proxy's own, not the client's.
        assertNull(seen.get("Sec-WebSocket-Extensions"));
        session.sendText("after", Callback.NOOP);
        assertEquals("after", recorder.nextText());
        session.close();
    }

    @Test
    public void preserveHostSendsTheClientsHostAndTrustedProxiesAreAppendedTo() throws Exception
    {
        startProxy("wsproxy.preserveHost", "true", "wsproxy.trustedProxies", "127.0.0.0/8");
        Recorder recorder = new Recorder();
        ClientUpgradeRequest request = new ClientUpgradeRequest(URI.create(proxy.wsUrl("/ws/echo")));
        request.setHeader("X-Forwarded-For", "203.0.113.7");
        request.setHeader("X-Forwarded-Proto", "https");
        Session session = client.connect(recorder, request).get(10, TimeUnit.SECONDS);
        Map<String, List<String>> seen = backend.handshakes.poll(5, TimeUnit.SECONDS);
        assertEquals(List.of("127.0.0.1:" + proxy.port()), seen.get("Host"));
        assertEquals(List.of("203.0.113.7, 127.0.0.1"), seen.get("X-Forwarded-For"));
        assertEquals(List.of("https"), seen.get("X-Forwarded-Proto"));
        session.close();
    }

    @Test
    public void permessageDeflateIsDeclinedSoFramesPassAsTheyAre() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        ClientUpgradeRequest request = new ClientUpgradeRequest(URI.create(proxy.wsUrl("/ws/echo")));
        request.addExtensions("permessage-deflate");
        Session session = client.connect(recorder, request).get(10, TimeUnit.SECONDS);
        // The relay forwards frames without decoding them, so it negotiates no extension on either hop.
        assertTrue(session.getUpgradeResponse().getExtensions().isEmpty());
        String text = "compressible ".repeat(10_000);
        session.sendText(text, Callback.NOOP);
        assertEquals(text, recorder.nextText());
        session.close(4001, "bye", Callback.NOOP);
        assertEquals("4001 bye", recorder.awaitClose());
        assertEquals("4001 bye", backend.closes.poll(10, TimeUnit.SECONDS));
    }

    @Test
    public void backendThatVanishesClosesTheClientWithBadGateway() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        long start = System.nanoTime();
        session.sendText("drop", Callback.NOOP);
        String close = recorder.closed.get(2, TimeUnit.SECONDS);
        System.out.printf("backend vanished -> client got '%s' after %d ms%n", close, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertTrue(close.startsWith("1014 "), close);
    }

    @Test
    public void clientThatVanishesClosesTheBackendWithGoingAway() throws Exception
    {
        startProxy();
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/echo");
        session.sendText("hi", Callback.NOOP);
        assertEquals("hi", recorder.nextText());
        long start = System.nanoTime();
        session.disconnect();
        String close = backend.closes.poll(2, TimeUnit.SECONDS);
        System.out.printf("client vanished -> backend got '%s' after %d ms%n", close, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertNotNull(close, "backend not closed within 2 s of the client vanishing");
        assertTrue(close.startsWith("1001 "), close);
    }

    @Test
    public void idleTimeoutOfTheRouteClosesBothHops() throws Exception
    {
        startProxy("wsproxy.route.main.idleTimeout", "1s");
        Recorder recorder = new Recorder();
        connect(recorder, "/ws/echo");
        String clientClose = recorder.closed.get(10, TimeUnit.SECONDS);
        assertTrue(clientClose.startsWith("1001 "), clientClose);
        String backendClose = backend.closes.poll(10, TimeUnit.SECONDS);
        assertNotNull(backendClose);
        assertTrue(backendClose.startsWith("1001 "), backendClose);
    }

    @Test
    public void largeFramesFromTheBackendAreRelayedInPieces() throws Exception
    {
        startProxy("wsproxy.maxFrameSize", "4KiB");
        Recorder recorder = new Recorder();
        Session session = connect(recorder, "/ws/flood?bytes=1048576&chunk=1048576");
        ByteBuffer message = recorder.binaries.poll(10, TimeUnit.SECONDS);
        assertNotNull(message);
        assertEquals(1 << 20, message.remaining());
        for (int i = 0; i < message.remaining(); i++)
            assertEquals((byte)(i % 251), message.get(i));
        assertEquals("done", recorder.nextText());
        session.close();
    }

    static byte[] toArray(ByteBuffer buffer)
    {
        assertNotNull(buffer, "no binary message");
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
