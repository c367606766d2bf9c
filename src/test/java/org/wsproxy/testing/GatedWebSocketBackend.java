package org.wsproxy.testing;

import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A WebSocket backend that holds every handshake until the test lets it through ({@link #letThrough}), so that
 * tests can see how many handshakes reach it at once without timing: each upgrade request is counted on
 * arrival ({@link #arrived}, {@link #inProgress}, {@link #peak}) and answered 101 once let through, with an
 * echo session behind it. A handshake not let through within {@link #GATE_SECONDS} is refused with 503.
 */
public class GatedWebSocketBackend
{
    public static final long GATE_SECONDS = 30;

    /** Upgrade requests that reached this backend. */
    public final AtomicInteger arrived = new AtomicInteger();
    /** Handshakes being held here now. */
    public final AtomicInteger inProgress = new AtomicInteger();
    /** The most held at once. */
    public final AtomicInteger peak = new AtomicInteger();
    /** TCP connections accepted. */
    public final AtomicInteger connections = new AtomicInteger();
    private final Semaphore gate = new Semaphore(0);
    private Server server;
    private ServerConnector connector;

    public GatedWebSocketBackend start() throws Exception
    {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addEventListener(new org.eclipse.jetty.io.Connection.Listener()
        {
            @Override
            public void onOpened(org.eclipse.jetty.io.Connection connection)
            {
                connections.incrementAndGet();
            }
        });
        server.addConnector(connector);
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, context, container ->
            container.addMapping("/*", (rq, rs, cb) ->
            {
                arrived.incrementAndGet();
                peak.accumulateAndGet(inProgress.incrementAndGet(), Math::max);
                try
                {
                    // Holds one of the backend's threads: this is the backend, not the proxy.
                    if (!gate.tryAcquire(GATE_SECONDS, TimeUnit.SECONDS))
                    {
                        org.eclipse.jetty.server.Response.writeError(rq, rs, cb, 503);
                        return null;
                    }
                }
                catch (InterruptedException x)
                {
                    Thread.currentThread().interrupt();
                    org.eclipse.jetty.server.Response.writeError(rq, rs, cb, 503);
                    return null;
                }
                finally
                {
                    inProgress.decrementAndGet();
                }
                return new Echo();
            }));
        context.setHandler(ws);
        server.setHandler(context);
        server.start();
        return this;
    }

    /** Lets {@code n} handshakes (held now or to come) through. */
    public void letThrough(int n)
    {
        gate.release(n);
    }

    public String url()
    {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    public void stop() throws Exception
    {
        // Nothing stays held past the test.
        gate.release(10_000);
        if (server != null)
            server.stop();
    }

    public static class Echo extends Session.Listener.AbstractAutoDemanding
    {
        @Override
        public void onWebSocketText(String message)
        {
            getSession().sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback)
        {
            getSession().sendBinary(payload, callback);
        }
    }
}
