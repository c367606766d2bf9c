package org.wsproxy.bench;

import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The floor for the HTTP workload (e): the cheapest Jetty 12.1 proxy doing the same work, with nothing of wsproxy,
 * run as its own process like wsproxy (and with the same thread pool and JVM flags as {@code jetty-base/}), so
 * that a run tells how much of wsproxy's CPU per request is Jetty's and how much is its own. One servlet at
 * {@code /*} forwarding every request to the backend, as stock as Jetty ships it:
 * <ul>
 * <li>{@code async}: {@link AsyncProxyServlet.Transparent}, what wsproxy's servlet extends;</li>
 * <li>{@code blocking}: {@link ProxyServlet.Transparent} (response content written with blocking writes).</li>
 * </ul>
 * Arguments: the mode and the backend's port. Prints {@code LISTENING <port>} when ready; exits when its standard
 * input ends.
 */
public final class FloorProxy
{
    private FloorProxy()
    {
    }

    public static void main(String[] args) throws Exception
    {
        String mode = args[0];
        int backendPort = Integer.parseInt(args[1]);
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("floor");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder proxy = switch (mode)
        {
            case "async" -> new ServletHolder(AsyncProxyServlet.Transparent.class);
            case "blocking" -> new ServletHolder(ProxyServlet.Transparent.class);
            default -> throw new IllegalArgumentException("mode is async or blocking, not " + mode);
        };
        proxy.setInitParameter("proxyTo", "http://127.0.0.1:" + backendPort);
        proxy.setAsyncSupported(true);
        context.addServlet(proxy, "/*");
        server.setHandler(context);
        ChildServer.runUntilStdinCloses(server, connector);
    }
}
