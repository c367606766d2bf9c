package org.wsproxy.bench;

import java.nio.ByteBuffer;
import java.time.Duration;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The soak's backend, a process of its own ({@link Soak} kills and restarts it): on {@code /ws/soak}, each client
 * message is checked (number, checksum) and answered by one numbered message of its own of a random size, whose
 * ack and status tell the client what arrived; pings are answered by Jetty. Prints {@code LISTENING <port>}, exits
 * at once (no close handshakes, as a crash) when its standard input ends. Arguments: {@code port maxSize}.
 */
public final class SoakBackend
{
    private SoakBackend()
    {
    }

    public static void main(String[] args) throws Exception
    {
        int port = Integer.parseInt(args[0]);
        int maxSize = Integer.parseInt(args[1]);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setReuseAddress(true);
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler webSockets = WebSocketUpgradeHandler.from(server, context, container ->
        {
            container.setIdleTimeout(Duration.ofHours(1));
            container.setMaxBinaryMessageSize(2L * maxSize + SoakMessages.HEADER);
            container.addMapping("/ws/soak", (request, response, callback) -> new Side(maxSize));
        });
        context.setHandler(webSockets);
        server.setHandler(context);
        server.start();
        System.out.println("LISTENING " + connector.getLocalPort());
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // Nothing is expected on it.
        }
        Runtime.getRuntime().halt(0);
    }

    /** One session: checks the client's numbering and answers each message. Jetty delivers one message at a time. */
    public static final class Side extends Session.Listener.AbstractAutoDemanding
    {
        private final int maxSize;
        private long received;
        private long sent;
        private boolean ok = true;

        Side(int maxSize)
        {
            this.maxSize = maxSize;
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback)
        {
            SoakMessages.Message message = SoakMessages.read(payload);
            callback.succeed();
            if (!message.intact() || message.seq() != received + 1)
                ok = false;
            received = Math.max(received, message.seq());
            getSession().sendBinary(SoakMessages.build(++sent, message.seq(), ok, SoakMessages.randomSize(maxSize)), Callback.NOOP);
        }
    }
}
