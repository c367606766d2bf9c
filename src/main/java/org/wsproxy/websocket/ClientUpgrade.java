package org.wsproxy.websocket;

import java.util.List;
import java.util.Set;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.wsproxy.relay.RelayHandshaker;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;

/**
 * Accepts a client's WebSocket upgrade at websocket-core level (RFC 6455 over HTTP/1.1, RFC 8441 over
 * HTTP/2), with the relay's client side as the frame handler: the client gets the backend's subprotocol
 * and the backend's own 101 headers. No extension is negotiated, so frames pass as they are.
 */
final class ClientUpgrade implements ClientHandshake
{
    private static final Set<String> PER_HOP_RESPONSE_HEADERS = Set.of("connection", "upgrade", "sec-websocket-accept",
        "sec-websocket-extensions", "sec-websocket-protocol", "content-length", "transfer-encoding", "keep-alive");

    private final Handshaker handshaker = new RelayHandshaker();
    private final ServletEnvironment environment;
    private final WebSocketComponents components;

    private ClientUpgrade(ServletEnvironment environment, WebSocketComponents components)
    {
        this.environment = environment;
        this.components = components;
    }

    /** The upgrade of the webapp at {@code context}, sharing the server's WebSocket components (buffers, executor). */
    static ClientUpgrade of(ServletContext context)
    {
        ServletEnvironment environment = ServletEnvironment.of(context);
        org.eclipse.jetty.server.handler.ContextHandler handler = environment.contextHandler();
        return new ClientUpgrade(environment, WebSocketServerComponents.ensureWebSocketComponents(handler.getServer(), handler));
    }

    /** Jetty upgrades in an async dispatch too: the request's thread is not held while the backend answers. */
    @Override
    public boolean needsRequestThread()
    {
        return false;
    }

    /**
     * Writes the 101 and hands the connection to the relay's client side; blocks only while the 101 is written.
     *
     * @return false when this is not an upgrade websocket-core accepts, and nothing was written
     */
    @Override
    public boolean upgrade(HttpServletRequest request, jakarta.servlet.http.HttpServletResponse response, BackendHop hop) throws java.io.IOException
    {
        Request coreRequest = environment.coreRequest(request);
        try (Blocker.Callback callback = Blocker.callback())
        {
            boolean upgraded = handshaker.upgradeRequest(new Negotiator(hop), coreRequest, environment.coreResponse(coreRequest), callback, components, null);
            if (upgraded)
                callback.block();
            return upgraded;
        }
    }

    private static final class Negotiator extends WebSocketNegotiator.AbstractNegotiator
    {
        private final BackendHop hop;

        private Negotiator(BackendHop hop)
        {
            this.hop = hop;
            hop.relay().settings().customize(this);
        }

        @Override
        public FrameHandler negotiate(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback)
        {
            response.setExtensions(List.of());
            if (hop.subProtocol() != null)
                response.setAcceptedSubProtocol(hop.subProtocol());
            if (hop.backendHeaders() != null)
            {
                for (HttpField field : hop.backendHeaders())
                {
                    if (!PER_HOP_RESPONSE_HEADERS.contains(field.getLowerCaseName()))
                        response.getHeaders().add(field);
                }
            }
            if (hop.setCookie() != null)
                response.getHeaders().add("Set-Cookie", hop.setCookie());
            return hop.relay().clientSide();
        }
    }
}
