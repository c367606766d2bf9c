package org.wsproxy.bench;

import java.nio.ByteBuffer;
import java.time.Duration;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The benchmark's backend, run as its own process by {@link Benchmark}: an embedded Jetty (core API) on
 * 127.0.0.1 with {@code /ws/echo}, a WebSocket echo of every frame as it comes ({@link FrameEcho}, so
 * messages of any size echo without being assembled), and {@code /page}, a small fixed HTML page
 * ({@link #PAGE}). It prints {@code LISTENING <port>} when ready and exits when its standard input ends,
 * so it never outlives the benchmark.
 */
public final class BenchBackend
{
    /** The page's body; the load driver checks every response against it. */
    static final String PAGE = "<!DOCTYPE html><html><head><title>wsproxy bench</title></head><body>" +
        "<p>A small page, fetched through the proxy by the benchmark's HTTP workload.</p>".repeat(8) + "</body></html>\n";

    private BenchBackend()
    {
    }

    public static void main(String[] args) throws Exception
    {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("bench-backend");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        // The idle workload opens thousands of connections at once.
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);

        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler webSockets = WebSocketUpgradeHandler.from(server, context, container ->
        {
            // Idle connections are the point of one workload: Jetty's 30 s default would close them.
            container.setIdleTimeout(Duration.ofHours(1));
            container.setMaxTextMessageSize(Long.MAX_VALUE);
            container.setMaxBinaryMessageSize(Long.MAX_VALUE);
            container.addMapping("/ws/echo", (request, response, callback) -> new FrameEcho());
        });
        webSockets.setHandler(new Page());
        context.setHandler(webSockets);
        server.setHandler(context);
        ChildServer.runUntilStdinCloses(server, connector);
    }

    /** {@code GET /page}: {@link #PAGE}; anything else is left to Jetty's 404. */
    private static final class Page extends Handler.Abstract.NonBlocking
    {
        private final ByteBuffer body = ByteBuffer.wrap(PAGE.getBytes(java.nio.charset.StandardCharsets.UTF_8)).asReadOnlyBuffer();

        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            if (!"/page".equals(Request.getPathInContext(request)))
                return false;
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html;charset=utf-8");
            response.write(true, body.slice(), callback);
            return true;
        }
    }
}
