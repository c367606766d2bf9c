package org.wsproxy.demo;

import java.time.Duration;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The backend that wsproxy fronts in the demo and in the end-to-end test: a plain embedded Jetty
 * (core API, no servlets) so that what the proxy relays is easy to see and owes nothing to wsproxy.
 * <ul>
 * <li>{@code /ws/echo}: WebSocket echo of text and binary messages</li>
 * <li>{@code /ws/chat}: WebSocket chat, every message broadcast to everyone connected</li>
 * <li>{@code /} and {@code /index.html}: a page whose script uses both sockets through the proxy</li>
 * <li>{@code /api/time}: JSON, including the Host and X-Forwarded-* headers the backend received</li>
 * </ul>
 * Binds 127.0.0.1 only: it is meant to be reached through the proxy.
 */
public class DemoBackend
{
    /** The port etc/wsproxy-override.xml points at. */
    public static final int DEFAULT_PORT = 8081;

    private final ChatRoom chatRoom = new ChatRoom();
    private Server server;
    private ServerConnector connector;

    /**
     * @param port the port to bind on 127.0.0.1, 0 for any free one (see {@link #getPort()})
     */
    public void start(int port) throws Exception
    {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("demo-backend");
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);

        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler webSockets = WebSocketUpgradeHandler.from(server, context, container ->
        {
            // A chat tab may sit quiet for a long time; Jetty's 30 s default would drop it.
            container.setIdleTimeout(Duration.ofHours(1));
            container.addMapping("/ws/echo", (request, response, callback) -> new EchoEndpoint());
            container.addMapping("/ws/chat", (request, response, callback) -> chatRoom.newMember());
        });
        // Requests that are not WebSocket upgrades fall through to the pages.
        webSockets.setHandler(new DemoPages());
        context.setHandler(webSockets);
        server.setHandler(context);
        server.start();
    }

    /** The bound port, once started. */
    public int getPort()
    {
        return connector.getLocalPort();
    }

    public void stop() throws Exception
    {
        if (server != null)
            server.stop();
    }

    /**
     * Runs the backend alone: {@code [port]}, default {@value #DEFAULT_PORT}.
     */
    public static void main(String[] args) throws Exception
    {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_PORT;
        DemoBackend backend = new DemoBackend();
        backend.start(port);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            try
            {
                backend.stop();
            }
            catch (Exception x)
            {
                x.printStackTrace();
            }
        }));
        System.out.printf("Demo backend on http://127.0.0.1:%d/ (Ctrl-C to stop)%n", backend.getPort());
        backend.server.join();
    }
}
