package org.wsproxy.relay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawWebSocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client data frames reach the backend still masked with the client's own key ({@link MaskedPayloads}), through the
 * real webapp, between plain sockets that see the bytes on the wire: before, websocket-core unmasked every frame
 * and masked it again with a key of its own, so the backend saw another key. Control frames are still masked
 * afresh, and every payload arrives intact.
 */
public class MaskedPayloadsTest
{
    private static final int PING = 9;
    private static final int CONTINUATION = 0;

    private RawWebSocket.Backend backend;
    private ProxyServer proxy;

    @BeforeEach
    public void start() throws Exception
    {
        backend = new RawWebSocket.Backend().start();
        proxy = new ProxyServer().route("main", "/", backend.url()).start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        if (proxy != null)
            proxy.stop();
        if (backend != null)
            backend.close();
    }

    private RawWebSocket backendSession() throws InterruptedException
    {
        RawWebSocket session = backend.sessions.poll(20, TimeUnit.SECONDS);
        assertNotNull(session, "the backend was never connected");
        return session;
    }

    @Test
    public void dataFramesReachTheBackendWithTheClientsKeyAndFragmentation() throws Exception
    {
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/chat"))
        {
            RawWebSocket server = backendSession();
            byte[] textKey = {1, 2, 3, 4};
            client.write(RawWebSocket.Frame.TEXT, true, "hello, backend".getBytes(StandardCharsets.UTF_8), textKey);
            byte[] firstKey = {(byte)0x9a, 0x7b, 0x5c, 0x3d};
            byte[] lastKey = {0x11, (byte)0xee, 0x22, (byte)0xdd};
            client.write(RawWebSocket.Frame.BINARY, false, new byte[]{10, 11, 12, 13, 14}, firstKey);
            client.write(CONTINUATION, true, new byte[]{15, 16, 17, 18, 19, 20, 21}, lastKey);

            RawWebSocket.Keyed text = server.readKeyedFrame();
            assertEquals(RawWebSocket.Frame.TEXT, text.frame().opcode());
            assertTrue(text.frame().fin());
            assertEquals("hello, backend", new String(text.frame().payload(), StandardCharsets.UTF_8));
            assertArrayEquals(textKey, text.mask(), "the text frame's key");

            RawWebSocket.Keyed first = server.readKeyedFrame();
            assertEquals(RawWebSocket.Frame.BINARY, first.frame().opcode());
            assertFalse(first.frame().fin());
            assertArrayEquals(new byte[]{10, 11, 12, 13, 14}, first.frame().payload());
            assertArrayEquals(firstKey, first.mask(), "the first fragment's key");

            RawWebSocket.Keyed last = server.readKeyedFrame();
            assertEquals(CONTINUATION, last.frame().opcode());
            assertTrue(last.frame().fin());
            assertArrayEquals(new byte[]{15, 16, 17, 18, 19, 20, 21}, last.frame().payload());
            assertArrayEquals(lastKey, last.mask(), "the last fragment's key");

            // The other way nothing is masked, as RFC 6455 wants from a server.
            server.write(RawWebSocket.Frame.TEXT, true, "hello, client".getBytes(StandardCharsets.UTF_8));
            RawWebSocket.Keyed back = client.readKeyedFrame();
            assertEquals("hello, client", new String(back.frame().payload(), StandardCharsets.UTF_8));
            assertNull(back.mask());
        }
    }

    @Test
    public void controlFramesAreMaskedAfreshAndTheCloseKeepsItsCode() throws Exception
    {
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/chat"))
        {
            RawWebSocket server = backendSession();
            byte[] pingKey = {5, 6, 7, 8};
            client.write(PING, true, "are you there".getBytes(StandardCharsets.UTF_8), pingKey);
            RawWebSocket.Keyed ping = server.readKeyedFrame();
            assertEquals(PING, ping.frame().opcode());
            assertEquals("are you there", new String(ping.frame().payload(), StandardCharsets.UTF_8));
            assertNotNull(ping.mask());
            assertFalse(java.util.Arrays.equals(pingKey, ping.mask()), "a ping is unmasked by the proxy and masked with its own key");

            client.close(4001, "done here");
            RawWebSocket.Frame close = server.readClose();
            assertEquals(4001, close.closeCode());
            assertEquals("done here", close.closeReason());
            server.close(4001, "done here");
            assertEquals(4001, client.readClose().closeCode());
        }
    }

    /**
     * The way back when a backend hop could not be made to write frames still masked (a Jetty without the fields, or
     * a JDK that refuses to set them): the client hop unmasks the frame, which then takes a fresh key like any other.
     */
    @Test
    public void aMaskedFrameUnmaskedTakesAFreshKey()
    {
        byte[] key = {0x12, 0x34, 0x56, 0x78};
        byte[] text = "still masked".getBytes(StandardCharsets.UTF_8);
        byte[] masked = new byte[text.length];
        for (int i = 0; i < text.length; i++)
            masked[i] = (byte)(text[i] ^ key[i & 3]);
        MaskedPayloads.MaskedFrame frame = new MaskedPayloads.MaskedFrame((byte)0x81, key.clone(), java.nio.ByteBuffer.wrap(masked), null);
        assertArrayEquals(key, frame.getMask(), "parsed: the client's key kept");
        assertEquals(java.nio.ByteBuffer.wrap(masked), frame.getPayload(), "parsed: the payload still masked");
        frame.setMask(new byte[]{9, 9, 9, 9});
        assertArrayEquals(key, frame.getMask(), "a client session's fresh key is not taken while the payload is masked");

        frame.unmask();
        assertEquals(java.nio.ByteBuffer.wrap(text), frame.getPayload());
        assertFalse(frame.isMasked());
        byte[] fresh = {1, 1, 2, 3};
        frame.setMask(fresh);
        assertArrayEquals(fresh, frame.getMask(), "unmasked, it takes the sending session's key");
    }

    /** A 3 MiB frame, however websocket-core cuts it on the way (its frames then carry the key turned to match), arrives whole. */
    @Test
    public void aLargeFrameArrivesWhole() throws Exception
    {
        byte[] payload = new byte[3 << 20];
        ThreadLocalRandom.current().nextBytes(payload);
        try (RawWebSocket client = RawWebSocket.connect(proxy.port(), "/chat"))
        {
            RawWebSocket server = backendSession();
            client.write(RawWebSocket.Frame.BINARY, true, payload, new byte[]{(byte)0xc3, 0x3c, (byte)0xa5, 0x5a});
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            for (RawWebSocket.Frame frame = server.readFrame(); ; frame = server.readFrame())
            {
                assertNotNull(frame, "EOF before the whole message");
                received.writeBytes(frame.payload());
                if (frame.fin())
                    break;
            }
            assertArrayEquals(payload, received.toByteArray());
        }
    }
}
