package org.wsproxy.testing;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;

/**
 * A backend on websocket-core, on an ephemeral loopback port: each session is a {@link CoreEndpoint} echoing
 * data frames (unless {@link #echo} is off), answering pings only when {@link #answerPings} says so. Unlike {@link TestBackend}'s Jetty API
 * endpoints, nothing in it answers a ping unless told to.
 */
public class CoreBackend
{
    public final BlockingQueue<CoreEndpoint> sessions = new LinkedBlockingQueue<>();
    public volatile boolean answerPings = true;
    /** Whether sessions echo data frames; a backend that only listens has nothing unread when the proxy closes it. */
    public volatile boolean echo = true;
    private Server server;
    private ServerConnector connector;

    public CoreBackend start() throws Exception
    {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        WebSocketUpgradeHandler upgrade = new WebSocketUpgradeHandler();
        upgrade.addMapping("/*", (WebSocketNegotiator)(request, response, callback) ->
        {
            CoreEndpoint endpoint = new CoreEndpoint(echo);
            endpoint.answerPings = answerPings;
            sessions.add(endpoint);
            return endpoint;
        });
        ContextHandler context = new ContextHandler("/");
        context.setHandler(upgrade);
        server.setHandler(context);
        server.start();
        return this;
    }

    public String url()
    {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    public void stop() throws Exception
    {
        if (server != null)
            server.stop();
    }
}
