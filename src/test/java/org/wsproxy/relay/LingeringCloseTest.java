package org.wsproxy.relay;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.CoreBackend;
import org.wsproxy.testing.CoreEndpoint;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.RawWebSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's lingering close, through the real webapp, on plain sockets that show what TCP does: a peer still
 * writing when the proxy closes it with 1009, 1008 or 1001 reads the close frame and then a FIN (the read returns
 * EOF), and its writes go on succeeding for a while, read and dropped by the proxy. websocket-core's drop of the
 * connection instead answered them with a reset: the next write failed with {@code Broken pipe} or
 * {@code Connection reset}, before the peer's application had read the close frame (so it reported 1006), or the
 * read itself met the reset. A peer that goes on writing after the close is cut after the bound all the same.
 */
public class LingeringCloseTest
{
    private static final String TOKEN = "0123456789abcdef-linger";
    /**
     * What a peer must still be able to write after the close: more than the socket buffers on both sides hold
     * (on Linux the receive buffer may grow to 32 MiB, the send buffer to 4 MiB), so that the writes go through only
     * if the proxy reads them.
     */
    private static final long AFTER_THE_CLOSE = 64L << 20;

    private ProxyServer proxy;
    private CoreBackend listening;
    private RawWebSocket.Backend rawBackend;

    private void startProxy(String backendUrl, String... params) throws Exception
    {
        proxy = new ProxyServer().route("main", "/", backendUrl);
        for (int i = 0; i < params.length; i += 2)
            proxy.param(params[i], params[i + 1]);
        proxy.start();
    }

    /** A websocket-core backend that reads and drops what it gets: nothing unread on its hop. */
    private CoreBackend startListeningBackend() throws Exception
    {
        listening = new CoreBackend();
        listening.echo = false;
        listening.start();
        return listening;
    }

    @AfterEach
    public void stop() throws Exception
    {
        if (proxy != null)
            proxy.stop();
        if (listening != null)
            listening.stop();
        if (rawBackend != null)
            rawBackend.close();
    }

    /**
     * The peers' writes after their close frame and the FIN go on succeeding ({@link #AFTER_THE_CLOSE} more): the proxy still reads
     * and drops them. Dropped at once, the proxy's socket answers them with a reset (or, closed but not yet released
     * by its selector, stops reading them), and a write fails (or stalls).
     */
    private static void assertStillReadAfterTheClose(RawWebSocket.Writer... writers) throws Exception
    {
        long[] start = new long[writers.length];
        for (int i = 0; i < writers.length; i++)
            start[i] = writers[i].written().get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; i < writers.length; i++)
        {
            RawWebSocket.Writer writer = writers[i];
            while (writer.written().get() - start[i] < AFTER_THE_CLOSE)
            {
                if (writer.failure().isDone())
                    throw new AssertionError("a write after the close failed (" + (writer.written().get() - start[i]) + " bytes after it went through)",
                        writer.failure().getNow(null));
                assertTrue(System.nanoTime() < deadline, "writes stalled after the close");
                Thread.sleep(2);
            }
        }
    }

    /** Reads up to the next close frame and asserts its code, then that a FIN follows: a reset would throw here. */
    private static void assertCloseThenFin(RawWebSocket socket, int code) throws IOException
    {
        RawWebSocket.Frame close = socket.readClose();
        assertNotNull(close, "EOF without a close frame");
        assertEquals(code, close.closeCode(), close.closeReason());
        assertNull(socket.readFrame(), "a frame after the close frame");
    }

    @Test
    public void aClientStillWritingPastMaxMessageSizeReads1009ThenAFin() throws Exception
    {
        CoreBackend backend = startListeningBackend();
        startProxy(backend.url(), "wsproxy.maxClientMessageSize", "64KiB");
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/ws/big"))
        {
            RawWebSocket.Writer writing = client.flood(16 * 1024);
            assertCloseThenFin(client, 1009);
            assertStillReadAfterTheClose(writing);
        }
        String backendClose = backend.sessions.poll(10, TimeUnit.SECONDS).closed.get(10, TimeUnit.SECONDS);
        assertTrue(backendClose.startsWith("1001 "), backendClose);
    }

    @Test
    public void aClientStillWritingOverItsRateReads1008ThenAFin() throws Exception
    {
        CoreBackend backend = startListeningBackend();
        startProxy(backend.url(), "wsproxy.clientMessageRate", "5", "wsproxy.rateBurst", "1s");
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/ws/chatty"))
        {
            RawWebSocket.Writer writing = client.chatter();
            assertCloseThenFin(client, 1008);
            assertStillReadAfterTheClose(writing);
        }
        CoreEndpoint backendSide = backend.sessions.poll(10, TimeUnit.SECONDS);
        assertTrue(backendSide.closed.get(10, TimeUnit.SECONDS).startsWith("1001 "));
    }

    @Test
    public void aBackendStillWritingPastMaxMessageSizeReads1009ThenAFin() throws Exception
    {
        rawBackend = new RawWebSocket.Backend().start();
        startProxy(rawBackend.url(), "wsproxy.maxBackendMessageSize", "64KiB");
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/ws/big"))
        {
            RawWebSocket backend = rawBackend.sessions.poll(10, TimeUnit.SECONDS);
            assertNotNull(backend);
            RawWebSocket.Writer writing = backend.flood(16 * 1024);
            assertCloseThenFin(backend, 1009);
            assertStillReadAfterTheClose(writing);
            // The client was not writing: it gets its 1001 and a FIN either way.
            assertCloseThenFin(client, 1001);
        }
    }

    @Test
    public void aBackendStillWritingWhenTheClientIsRefusedReads1001ThenAFin() throws Exception
    {
        rawBackend = new RawWebSocket.Backend().start();
        startProxy(rawBackend.url(), "wsproxy.maxClientMessageSize", "64KiB");
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/ws/both"))
        {
            RawWebSocket backend = rawBackend.sessions.poll(10, TimeUnit.SECONDS);
            assertNotNull(backend);
            RawWebSocket.Writer backendWriting = backend.flood(16 * 1024);
            RawWebSocket.Writer clientWriting = client.flood(16 * 1024);
            // Both hops are still writing when the proxy closes them: each reads its close frame and a FIN.
            assertCloseThenFin(client, 1009);
            assertCloseThenFin(backend, 1001);
            assertStillReadAfterTheClose(clientWriting, backendWriting);
        }
    }

    @Test
    public void aClientAndABackendStillWritingWhenTheProxyDrainsRead1001ThenAFin() throws Exception
    {
        rawBackend = new RawWebSocket.Backend().start();
        startProxy(rawBackend.url(), "wsproxy.drainTimeout", "1s", "wsproxy.drainSpread", "0s",
            "wsproxy.admin.path", "/_wsproxy/pools", "wsproxy.admin.token", TOKEN);
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/ws/drain"))
        {
            RawWebSocket backend = rawBackend.sessions.poll(10, TimeUnit.SECONDS);
            assertNotNull(backend);
            // Neither reads until the drain: both directions fill up and stall, with bytes unread at the proxy.
            RawWebSocket.Writer backendWriting = backend.flood(16 * 1024);
            RawWebSocket.Writer clientWriting = client.flood(16 * 1024);
            RawHttp.Response drain = RawHttp.exchange(proxy.port(), "POST /_wsproxy/pools?action=drain HTTP/1.1", "Host: 127.0.0.1",
                "Authorization: Bearer " + TOKEN, "Content-Length: 0", "Connection: close");
            assertEquals(202, drain.status());
            // After drainTimeout (1 s) both hops get 1001: each reads what was relayed to it, the close frame, a FIN.
            assertCloseThenFin(client, 1001);
            assertCloseThenFin(backend, 1001);
            assertStillReadAfterTheClose(clientWriting, backendWriting);
        }
    }

    @Test
    public void anOrdinaryCloseIsAnsweredAndTheConnectionClosedAsBefore() throws Exception
    {
        CoreBackend backend = startListeningBackend();
        startProxy(backend.url(), "wsproxy.maxClientMessageSize", "64KiB");
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/ws/bye"))
        {
            client.write(RawWebSocket.Frame.TEXT, true, "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            client.close(1000, "bye");
            RawWebSocket.Frame close = client.readClose();
            assertNotNull(close);
            assertEquals(1000, close.closeCode());
            assertEquals("bye", close.closeReason());
            assertNull(client.readFrame());
        }
        CoreEndpoint backendSide = backend.sessions.poll(10, TimeUnit.SECONDS);
        assertEquals("1000 bye", backendSide.closed.get(10, TimeUnit.SECONDS));
        assertEquals("[hello]", backendSide.texts.toString());
    }

    /**
     * The relay passes the client's close on and holds the client's reply until the backend answers; a backend
     * that never answers is dropped after the close timeout (5 s), and the client then gets its reply.
     */
    @Test
    public void aBackendThatNeverAnswersACloseIsDroppedAfterTheCloseTimeout() throws Exception
    {
        rawBackend = new RawWebSocket.Backend().start();
        startProxy(rawBackend.url());
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/ws/mute"))
        {
            RawWebSocket backend = rawBackend.sessions.poll(10, TimeUnit.SECONDS);
            assertNotNull(backend);
            long start = System.nanoTime();
            client.close(4000, "bye");
            RawWebSocket.Frame passedOn = backend.readFrame();
            assertNotNull(passedOn);
            assertEquals(4000, passedOn.closeCode());
            // No answer: the proxy drops this connection (EOF here) ...
            assertNull(backend.readFrame());
            long dropped = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(dropped >= 4_000, "dropped after " + dropped + " ms, before the close timeout");
            // ... and the client's close is answered.
            RawWebSocket.Frame reply = client.readClose();
            assertNotNull(reply);
            assertEquals(4000, reply.closeCode());
        }
    }

    @Test
    public void aClientThatGoesOnWritingAfterTheCloseIsCutAfterTheBound() throws Exception
    {
        CoreBackend backend = startListeningBackend();
        startProxy(backend.url(), "wsproxy.maxClientMessageSize", "64KiB");
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/ws/big"))
        {
            // A frame every 5 ms: still writing when the proxy closes it, without keeping a core busy for the bound.
            RawWebSocket.Writer writing = client.flood(16 * 1024, 5);
            assertCloseThenFin(client, 1009);
            // It never closes: the proxy drops the connection after LingeringClose.TIME (5 s), and a write fails.
            assertNotNull(writing.failure().get(60, TimeUnit.SECONDS));
        }
    }

    @Test
    public void aBackendThatGoesOnWritingAfterTheCloseIsCutAfterTheBound() throws Exception
    {
        rawBackend = new RawWebSocket.Backend().start();
        startProxy(rawBackend.url(), "wsproxy.maxBackendMessageSize", "64KiB");
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/ws/big"))
        {
            RawWebSocket backend = rawBackend.sessions.poll(10, TimeUnit.SECONDS);
            assertNotNull(backend);
            RawWebSocket.Writer writing = backend.flood(16 * 1024, 5);
            assertCloseThenFin(backend, 1009);
            assertNotNull(writing.failure().get(60, TimeUnit.SECONDS));
            assertCloseThenFin(client, 1001);
        }
    }
}
