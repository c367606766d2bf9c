package org.wsproxy.websocket;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend floods 256 MiB at a client that stops reading. The proxy must stop reading the backend
 * rather than queue the flood in its heap; once the client reads again, every byte arrives in order.
 */
public class BackpressureTest
{
    private static final long TOTAL = 256L << 20;

    private TestBackend backend;
    private ProxyServer proxy;
    private WebSocketClient client;

    @BeforeEach
    public void start() throws Exception
    {
        backend = new TestBackend("flood").start();
        proxy = new ProxyServer().route("main", "/", backend.url()).start();
        client = new WebSocketClient();
        client.start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        client.stop();
        proxy.stop();
        backend.stop();
    }

    @Test
    public void floodAtAStalledClientIsHeldBackNotBuffered() throws Exception
    {
        long before = usedHeapAfterGc();
        SlowReader reader = new SlowReader();
        client.connect(reader, URI.create(proxy.wsUrl("/ws/flood?bytes=" + TOTAL + "&chunk=65536"))).get(10, TimeUnit.SECONDS);

        // Wait until the backend can send no more: every buffer on the way is full.
        long last = -1;
        for (int i = 0; i < 100 && backend.floodSent.get() != last; i++)
        {
            last = backend.floodSent.get();
            Thread.sleep(300);
        }
        long sentWhileStalled = backend.floodSent.get();
        long growth = usedHeapAfterGc() - before;
        System.out.printf("stalled: backend sent %.1f MiB of %d MiB; heap growth %.1f MiB%n",
            sentWhileStalled / 1048576.0, TOTAL >> 20, growth / 1048576.0);
        assertTrue(sentWhileStalled < TOTAL / 4, "the backend was not held back: it sent " + sentWhileStalled);
        assertTrue(growth < 24L << 20, "heap grew by " + growth + " bytes while the client was stalled");

        // Now read everything: nothing lost, nothing out of order.
        reader.resume();
        String end = reader.done.get(120, TimeUnit.SECONDS);
        assertEquals("done", end);
        assertEquals(TOTAL, reader.received.get());
        assertEquals(0, reader.corrupt.get());
    }

    private static long usedHeapAfterGc() throws InterruptedException
    {
        for (int i = 0; i < 3; i++)
        {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Reads nothing until resumed, then reads frame by frame, checking the backend's byte pattern. */
    public static class SlowReader implements Session.Listener
    {
        public final AtomicLong received = new AtomicLong();
        public final AtomicLong corrupt = new AtomicLong();
        public final CompletableFuture<String> done = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private volatile Session session;
        private long offsetInMessage;
        private long messageStart;

        @Override
        public void onWebSocketOpen(Session session)
        {
            this.session = session;
        }

        public void resume()
        {
            session.demand();
        }

        @Override
        public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback)
        {
            while (payload.hasRemaining())
            {
                byte expected = (byte)((messageStart + offsetInMessage) % 251);
                if (payload.get() != expected)
                    corrupt.incrementAndGet();
                offsetInMessage++;
            }
            if (last)
            {
                messageStart += offsetInMessage;
                received.addAndGet(offsetInMessage);
                offsetInMessage = 0;
            }
            callback.succeed();
            session.demand();
        }

        @Override
        public void onWebSocketPartialText(String payload, boolean last)
        {
            // A proxy may re-fragment (RFC 6455 5.4): the text is whole only at the last fragment.
            text.append(payload);
            if (last)
                done.complete(text.toString());
            session.demand();
        }
    }
}
