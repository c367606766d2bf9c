package org.wsproxy.websocket;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.CoreBackend;
import org.wsproxy.testing.CoreEndpoint;
import org.wsproxy.testing.LogCapture;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keepalive pings from the proxy, between websocket-core peers that answer pings only when told to: a hop that
 * stops answering is taken for lost within pingInterval + pingTimeout (the client gets 1014 for a backend, the
 * backend 1001 for a client); the proxy's pongs are not relayed, the application's pings and pongs are.
 */
public class KeepaliveTest
{
    private static final String KEEPALIVE = "wsproxy keepalive";

    private CoreBackend backend;
    private TestBackend apiBackend;
    private ProxyServer proxy;
    private WebSocketCoreClient client;

    @BeforeEach
    public void start() throws Exception
    {
        client = new WebSocketCoreClient();
        client.start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        client.stop();
        if (proxy != null)
            proxy.stop();
        if (backend != null)
            backend.stop();
        if (apiBackend != null)
            apiBackend.stop();
    }

    private void startProxy(String backendUrl, String interval, String timeout) throws Exception
    {
        proxy = new ProxyServer().route("main", "/", backendUrl)
            .param("wsproxy.pingInterval", interval).param("wsproxy.pingTimeout", timeout).start();
    }

    private CoreEndpoint connect(boolean answerPings) throws Exception
    {
        CoreEndpoint endpoint = new CoreEndpoint(false);
        endpoint.answerPings = answerPings;
        client.connect(CoreClientUpgradeRequest.from(client, URI.create(proxy.wsUrl("/ws/echo")), endpoint)).get(10, TimeUnit.SECONDS);
        return endpoint;
    }

    @Test
    public void aBackendThatStopsAnsweringPingsIsLostWithinIntervalPlusTimeoutAndTheClientGets1014() throws Exception
    {
        backend = new CoreBackend();
        backend.answerPings = false;
        backend.start();
        startProxy(backend.url(), "1s", "1s");
        try (LogCapture log = new LogCapture())
        {
            CoreEndpoint endpoint = connect(true);
            long start = System.nanoTime();
            String close = endpoint.closed.get(15, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("backend silent -> client got '%s' after %d ms (pingInterval 1 s + pingTimeout 1 s)%n", close, millis);
            assertTrue(close.startsWith("1014 "), close);
            // pingInterval + pingTimeout is 2 s; a bound six times that tolerates a loaded machine.
            assertTrue(millis < 12000, "detected after " + millis + " ms");
            CoreEndpoint backendSide = backend.sessions.poll(5, TimeUnit.SECONDS);
            assertNotNull(backendSide);
            assertEquals(KEEPALIVE, backendSide.pings.poll(5, TimeUnit.SECONDS));
            TestBackend.awaitTrue(() -> !log.lines("backend answered no ping").isEmpty(), 5000);
        }
    }

    @Test
    public void aClientThatStopsAnsweringPingsIsLostAndTheBackendGets1001() throws Exception
    {
        apiBackend = new TestBackend("b1").start();
        startProxy(apiBackend.url(), "1s", "1s");
        CoreEndpoint endpoint = connect(false);
        String backendClose = apiBackend.closes.poll(15, TimeUnit.SECONDS);
        assertNotNull(backendClose, "the backend was not closed");
        assertTrue(backendClose.startsWith("1001 "), backendClose);
        assertEquals(KEEPALIVE, endpoint.pings.poll(5, TimeUnit.SECONDS));
        // The backend answered the proxy's pings: the proxy's, never relayed to the client.
        assertTrue(apiBackend.pings.contains(KEEPALIVE), apiBackend.pings.toString());
        assertFalse(endpoint.pongs.contains(KEEPALIVE), endpoint.pongs.toString());
    }

    @Test
    public void hopsThatAnswerStayOpenTheProxysPongsAreNotRelayedAndApplicationPingsAndPongsAre() throws Exception
    {
        backend = new CoreBackend().start();
        startProxy(backend.url(), "200ms", "5s");
        CoreEndpoint endpoint = connect(true);
        CoreEndpoint backendSide = backend.sessions.poll(5, TimeUnit.SECONDS);
        assertNotNull(backendSide);
        // Silent both ways: both hops get the proxy's pings, and answer them; the answers stay in the proxy.
        assertEquals(KEEPALIVE, endpoint.pings.poll(5, TimeUnit.SECONDS));
        assertEquals(KEEPALIVE, backendSide.pings.poll(5, TimeUnit.SECONDS));
        assertEquals(KEEPALIVE, endpoint.pings.poll(5, TimeUnit.SECONDS));
        assertEquals(KEEPALIVE, backendSide.pings.poll(5, TimeUnit.SECONDS));

        // The application's ping from the client, answered by the backend.
        endpoint.send(new Frame(OpCode.PING, "app-1"));
        assertEquals("app-1", next(backendSide.pings));
        assertEquals("app-1", endpoint.pongs.poll(5, TimeUnit.SECONDS));
        // The application's ping from the backend, answered by the client; and an unsolicited pong each way.
        endpoint.send(new Frame(OpCode.TEXT, "ping:app-2"));
        assertEquals("app-2", next(endpoint.pings));
        assertEquals("app-2", backendSide.pongs.poll(5, TimeUnit.SECONDS));
        endpoint.send(new Frame(OpCode.PONG, "app-3"));
        assertEquals("app-3", backendSide.pongs.poll(5, TimeUnit.SECONDS));
        endpoint.send(new Frame(OpCode.TEXT, "pong:app-4"));
        assertEquals("app-4", endpoint.pongs.poll(5, TimeUnit.SECONDS));

        // Still open, and no pong of the proxy's pings ever reached the other side.
        endpoint.send(new Frame(OpCode.TEXT, "still here"));
        assertEquals("still here", endpoint.texts.poll(5, TimeUnit.SECONDS));
        assertFalse(endpoint.closed.isDone(), endpoint.closed::toString);
        assertFalse(endpoint.pongs.contains(KEEPALIVE), endpoint.pongs.toString());
        assertFalse(backendSide.pongs.contains(KEEPALIVE), backendSide.pongs.toString());
        endpoint.startClose(1000, "done");
        assertEquals("1000 done", endpoint.closed.get(10, TimeUnit.SECONDS));
    }

    /** The next entry that is not one of the proxy's pings (those go on while the test runs). */
    private static String next(java.util.concurrent.BlockingQueue<String> queue) throws InterruptedException
    {
        for (int i = 0; i < 100; i++)
        {
            String value = queue.poll(5, TimeUnit.SECONDS);
            if (value == null || !value.equals(KEEPALIVE))
                return value;
        }
        return null;
    }

    static ByteBuffer utf8(String text)
    {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }
}
