package org.wsproxy.bench;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The backend of {@link StormMeasurement}, a process of its own: a WebSocket echo on {@code /ws/echo} whose
 * handshakes cost something, as a real application's do (authentication, loading the session's state): each
 * upgrade waits for one of {@code capacity} workers, which spends {@code handshakeMs} on it (sleeping, so the
 * figure does not depend on what else the machine runs), then the upgrade completes. Its handshake throughput is
 * thus {@code capacity / handshakeMs}. It counts the handshakes it holds, arrived and not yet answered, and their
 * peak; {@code GET /stats} answers {@code arrived=N peak=N inProgress=N}. Prints {@code LISTENING <port>} when ready,
 * exits when its standard input ends.
 * <p>Arguments: {@code port capacity handshakeMs}.</p>
 */
public final class StormBackend
{
    private StormBackend()
    {
    }

    public static void main(String[] args) throws Exception
    {
        int port = Integer.parseInt(args[0]);
        int capacity = Integer.parseInt(args[1]);
        long handshakeMs = Long.parseLong(args[2]);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setReuseAddress(true);
        connector.setAcceptQueueSize(8192);
        server.addConnector(connector);

        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler webSockets = WebSocketUpgradeHandler.from(server, context, container ->
        {
            container.setIdleTimeout(Duration.ofHours(1));
            container.addMapping("/ws/echo", (request, response, callback) -> new FrameEcho());
        });
        ExecutorService workers = Executors.newFixedThreadPool(capacity);
        context.setHandler(new Costly(webSockets, workers, handshakeMs));
        server.setHandler(context);
        server.start();
        System.out.println("LISTENING " + connector.getLocalPort());
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // Nothing is expected on it.
        }
        // Killed, as a crashed backend would be: no close handshake with anyone.
        Runtime.getRuntime().halt(0);
    }

    /** Puts each upgrade through a worker for its cost, then hands it to the upgrade handler. */
    private static final class Costly extends Handler.Wrapper
    {
        private final ExecutorService workers;
        private final long handshakeMs;
        private final AtomicInteger arrived = new AtomicInteger();
        private final AtomicInteger inProgress = new AtomicInteger();
        private final AtomicInteger peak = new AtomicInteger();

        Costly(Handler next, ExecutorService workers, long handshakeMs)
        {
            super(next);
            this.workers = workers;
            this.handshakeMs = handshakeMs;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception
        {
            if ("/stats".equals(Request.getPathInContext(request)))
            {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                Content.Sink.write(response, true, "arrived=" + arrived.get() + " peak=" + peak.get() + " inProgress=" + inProgress.get() + "\n", callback);
                return true;
            }
            arrived.incrementAndGet();
            peak.accumulateAndGet(inProgress.incrementAndGet(), Math::max);
            workers.execute(() ->
            {
                try
                {
                    Thread.sleep(handshakeMs);
                    // Counted as held until its cost is paid: the 101 goes out next.
                    inProgress.decrementAndGet();
                    if (!super.handle(request, response, callback))
                        Response.writeError(request, response, callback, 404);
                }
                catch (Throwable x)
                {
                    callback.failed(x);
                }
            });
            return true;
        }
    }
}
