package org.wsproxy.boot;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.drain.Draining;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain, through the real webapp: on Jetty's graceful stop (a stopTimeout, as jetty-base sets) and on the
 * admin endpoint's drain call, new upgrades and requests get 503 while requests in flight finish, the readiness
 * path turns 503, a session that ends by itself within drainTimeout is not cut, and those still open at its end
 * get 1001 {@value GracefulDrain#REASON} on both hops, spread over drainSpread.
 */
public class DrainTest
{
    private static final String TOKEN = "0123456789abcdef-drain";
    private static final String[] UPGRADE = {"GET /ws/echo HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"};
    private static final String GOING_AWAY = "1001 " + GracefulDrain.REASON;

    private TestBackend backend;
    private ProxyServer proxy;
    private WebSocketClient client;
    private Draining draining;
    private CompletableFuture<Void> stopping;

    @BeforeEach
    public void start() throws Exception
    {
        backend = new TestBackend("b1").start();
        client = new WebSocketClient();
        client.start();
    }

    private void startProxy(String drainTimeout, String drainSpread) throws Exception
    {
        proxy = new ProxyServer().route("main", "/", backend.url())
            .param("wsproxy.drainTimeout", drainTimeout)
            .param("wsproxy.drainSpread", drainSpread)
            .param("wsproxy.readinessPath", "/_wsproxy/ready")
            .param("wsproxy.admin.path", "/_wsproxy/pools")
            .param("wsproxy.admin.token", TOKEN)
            .stopTimeout(Duration.ofSeconds(60))
            .start();
        draining = (Draining)proxy.context().getServletContext().getAttribute(Draining.ATTRIBUTE);
    }

    @AfterEach
    public void stop() throws Exception
    {
        client.stop();
        if (stopping != null)
            stopping.get(60, TimeUnit.SECONDS);
        else if (proxy != null)
            proxy.stop();
        backend.stop();
    }

    private Session connect(Recorder recorder) throws Exception
    {
        return client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
    }

    /** Jetty's stop, as SIGTERM runs it, on another thread: it returns when the drain is over (or the stopTimeout). */
    private void stopInBackground() throws Exception
    {
        stopping = CompletableFuture.runAsync(() ->
        {
            try
            {
                proxy.stop();
            }
            catch (Exception x)
            {
                throw new RuntimeException(x);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!draining.isDraining())
        {
            assertTrue(System.nanoTime() - deadline < 0, "not draining 10 s after the stop began");
            Thread.sleep(10);
        }
    }

    @Test
    public void sessionThatEndsByItselfDuringTheDrainIsNotCut() throws Exception
    {
        startProxy("20s", "0s");
        Recorder recorder = new Recorder();
        Session session = connect(recorder);
        stopInBackground();

        // The live session still relays during the drain, and its own close passes unchanged both ways.
        session.sendText("still here", Callback.NOOP);
        assertEquals("still here", recorder.nextText());
        session.close(1000, "done", Callback.NOOP);
        assertEquals("1000 done", recorder.awaitClose());
        assertEquals("1000 done", backend.closes.poll(10, TimeUnit.SECONDS));
        // The drain ended with the last session, not at its 20 s timeout.
        stopping.get(10, TimeUnit.SECONDS);
    }

    @Test
    public void sessionsStillOpenAtTheEndGet1001OnBothHopsSpreadOverTheWindow() throws Exception
    {
        startProxy("1s", "2s");
        int sessions = 4;
        List<Recorder> recorders = new ArrayList<>();
        ConcurrentLinkedQueue<Long> closedAt = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < sessions; i++)
        {
            Recorder recorder = new Recorder();
            connect(recorder);
            recorder.closed.thenRun(() -> closedAt.add(System.nanoTime()));
            recorders.add(recorder);
        }
        stopInBackground();

        for (Recorder recorder : recorders)
            assertEquals(GOING_AWAY, recorder.closed.get(30, TimeUnit.SECONDS));
        for (int i = 0; i < sessions; i++)
            assertEquals(GOING_AWAY, backend.closes.poll(10, TimeUnit.SECONDS));
        stopping.get(30, TimeUnit.SECONDS);
        // One close every 500 ms (2 s over 4 sessions): the first and the last are 1.5 s apart; a loaded machine only
        // delays each batch further, so half of that is a safe lower bound.
        long spreadMillis = TimeUnit.NANOSECONDS.toMillis(closedAt.stream().mapToLong(Long::longValue).max().orElseThrow() -
            closedAt.stream().mapToLong(Long::longValue).min().orElseThrow());
        assertTrue(spreadMillis >= 750, "closes spread over " + spreadMillis + " ms only");
    }

    @Test
    public void newRequestsAndUpgradesGet503WhileARequestInFlightFinishes() throws Exception
    {
        startProxy("20s", "0s");
        Recorder recorder = new Recorder();
        Session session = connect(recorder);
        // Opened before the stop: a stopping connector accepts no new connection, but kept-alive ones send on.
        try (RawHttp.Connection http = RawHttp.open(proxy.port()); RawHttp.Connection upgrade = RawHttp.open(proxy.port());
             RawHttp.Connection readiness = RawHttp.open(proxy.port()))
        {
            assertEquals(200, http.exchange("GET /http/first HTTP/1.1", "Host: 127.0.0.1").status());
            CompletableFuture<RawHttp.Response> inFlight = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return RawHttp.exchange(proxy.port(), "GET /http/slow?ms=1500 HTTP/1.1", "Host: 127.0.0.1", "Connection: close");
                }
                catch (Exception x)
                {
                    throw new RuntimeException(x);
                }
            });
            String started;
            do
            {
                started = backend.httpRequests.poll(10, TimeUnit.SECONDS);
                assertTrue(started != null, "the slow request did not reach the backend");
            }
            while (!started.startsWith("GET /http/slow"));
            stopInBackground();

            assertEquals(503, http.exchange("GET /http/second HTTP/1.1", "Host: 127.0.0.1").status());
            assertEquals(503, upgrade.exchange(UPGRADE).status());
            assertEquals(503, readiness.exchange("GET /_wsproxy/ready HTTP/1.1", "Host: 127.0.0.1").status());
            RawHttp.Response slow = inFlight.get(20, TimeUnit.SECONDS);
            assertEquals(200, slow.status());
            assertTrue(slow.body().startsWith("backend=b1"), slow.body());
            assertFalse(stopping.isDone(), "the stop did not wait for the live session");
        }
        session.close(1000, "bye", Callback.NOOP);
        assertEquals("1000 bye", recorder.awaitClose());
        stopping.get(10, TimeUnit.SECONDS);
    }

    @Test
    public void adminDrainCallDrainsTheInstanceAndReadinessTurns503() throws Exception
    {
        startProxy("1s", "0s");
        RawHttp.Response ready = RawHttp.exchange(proxy.port(), "GET /_wsproxy/ready HTTP/1.1", "Host: 127.0.0.1", "Connection: close");
        assertEquals(200, ready.status());
        assertEquals("ready\n", ready.body());
        Recorder recorder = new Recorder();
        Session session = connect(recorder);

        // Token-protected like the rest of the admin endpoint.
        assertEquals(401, RawHttp.exchange(proxy.port(), "POST /_wsproxy/pools?action=drain HTTP/1.1", "Host: 127.0.0.1",
            "Content-Length: 0", "Connection: close").status());
        assertFalse(draining.isDraining());
        RawHttp.Response drain = RawHttp.exchange(proxy.port(), "POST /_wsproxy/pools?action=drain HTTP/1.1", "Host: 127.0.0.1",
            "Authorization: Bearer " + TOKEN, "Content-Length: 0", "Connection: close");
        assertEquals(202, drain.status());
        assertTrue(drain.body().startsWith("draining\ndrain since "), drain.body());

        RawHttp.Response notReady = RawHttp.exchange(proxy.port(), "GET /_wsproxy/ready HTTP/1.1", "Host: 127.0.0.1", "Connection: close");
        assertEquals(503, notReady.status());
        assertEquals("draining\n", notReady.body());
        assertEquals(503, RawHttp.exchange(proxy.port(), "GET /http/x HTTP/1.1", "Host: 127.0.0.1", "Connection: close").status());
        assertEquals(503, RawHttp.exchange(proxy.port(), UPGRADE).status());

        // The session opened before is left its drainTimeout (1 s), then closed on both hops.
        assertEquals(GOING_AWAY, recorder.closed.get(30, TimeUnit.SECONDS));
        assertEquals(GOING_AWAY, backend.closes.poll(10, TimeUnit.SECONDS));
        // The recorder hears the close frame before the session has answered it and counts as closed.
        TestBackend.awaitTrue(() -> !session.isOpen(), 5000);
    }
    @Test
    public void undeployDrainsToo() throws Exception
    {
        startProxy("1s", "0s");
        Recorder recorder = new Recorder();
        connect(recorder);
        CompletableFuture<Void> undeploy = CompletableFuture.runAsync(() ->
        {
            try
            {
                proxy.context().stop();
            }
            catch (Exception x)
            {
                throw new RuntimeException(x);
            }
        });
        assertEquals(GOING_AWAY, recorder.closed.get(30, TimeUnit.SECONDS));
        assertEquals(GOING_AWAY, backend.closes.poll(10, TimeUnit.SECONDS));
        undeploy.get(30, TimeUnit.SECONDS);
    }
}
