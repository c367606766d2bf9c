package org.wsproxy.relay;

import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.Negotiated;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.WebSocketConnection;
import org.eclipse.jetty.websocket.core.WebSocketCoreSession;
import org.eclipse.jetty.websocket.core.exception.WebSocketException;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.internal.AbstractHandshaker;
import org.eclipse.jetty.websocket.core.server.internal.RFC6455Negotiation;
import org.eclipse.jetty.websocket.core.server.internal.RFC8441Handshaker;
import org.eclipse.jetty.websocket.core.server.internal.WebSocketNegotiation;
import org.eclipse.jetty.websocket.core.util.WebSocketUtils;

/**
 * Accepts the client's hop of a relay: websocket-core's own handshakes (RFC 6455 over HTTP/1.1, as
 * websocket-core's final {@code RFC6455Handshaker} does it, and RFC 8441 over HTTP/2), except that the
 * hop gets a {@link RelaySession} and a {@link RelayConnection} (which may linger when closed), and its
 * frames are handed to the relay directly rather than inside the webapp's context scope, which the relay
 * does not need.
 */
public final class RelayHandshaker implements Handshaker
{
    private final Http1 http1 = new Http1();
    private final Http2 http2 = new Http2();

    @Override
    public boolean isWebSocketUpgradeRequest(Request request)
    {
        return http1.isWebSocketUpgradeRequest(request) || http2.isWebSocketUpgradeRequest(request);
    }

    @Override
    public boolean upgradeRequest(WebSocketNegotiator negotiator, Request request, Response response, Callback callback,
                                  WebSocketComponents components, Configuration.Customizer defaultCustomizer) throws WebSocketException
    {
        return http1.upgradeRequest(negotiator, request, response, callback, components, defaultCustomizer) ||
            !response.isCommitted() && http2.upgradeRequest(negotiator, request, response, callback, components, defaultCustomizer);
    }

    private static WebSocketCoreSession newSession(FrameHandler handler, Negotiated negotiated, WebSocketComponents components)
    {
        return new RelaySession((RelaySide)handler, negotiated, components);
    }

    private static WebSocketConnection newConnection(Connector connector, org.eclipse.jetty.io.EndPoint endPoint, WebSocketCoreSession session)
    {
        RelaySide side = (RelaySide)session.getHandler();
        side.batchToPeer();
        RelayConnection connection = new RelayConnection(endPoint, connector.getExecutor(), connector.getScheduler(), connector.getByteBufferPool(),
            session, side);
        session.setWebSocketConnection(connection);
        return connection;
    }

    private static final class Http1 extends AbstractHandshaker
    {
        private static final HttpField UPGRADE_WEBSOCKET = new PreEncodedHttpField(HttpHeader.UPGRADE, "websocket");
        private static final HttpField CONNECTION_UPGRADE = new PreEncodedHttpField(HttpHeader.CONNECTION, HttpHeader.UPGRADE.asString());

        @Override
        public boolean isWebSocketUpgradeRequest(Request request)
        {
            return HttpMethod.GET.is(request.getMethod()) && HttpVersion.HTTP_1_1.is(request.getConnectionMetaData().getProtocol()) &&
                super.isWebSocketUpgradeRequest(request);
        }

        @Override
        protected WebSocketNegotiation newNegotiation(Request request, Response response, Callback callback, WebSocketComponents components)
        {
            return new RFC6455Negotiation(request, response, callback, components);
        }

        @Override
        protected boolean validateNegotiation(WebSocketNegotiation negotiation)
        {
            if (!super.validateNegotiation(negotiation))
                return false;
            if (((RFC6455Negotiation)negotiation).getKey() == null)
                throw new BadMessageException("Missing request header 'Sec-WebSocket-Key'");
            return true;
        }

        @Override
        protected WebSocketCoreSession newWebSocketCoreSession(Request request, FrameHandler handler, Negotiated negotiated, WebSocketComponents components)
        {
            return newSession(handler, negotiated, components);
        }

        @Override
        protected WebSocketConnection createWebSocketConnection(Request request, WebSocketCoreSession session)
        {
            ConnectionMetaData metaData = request.getConnectionMetaData();
            return newConnection(metaData.getConnector(), metaData.getConnection().getEndPoint(), session);
        }

        @Override
        protected void prepareResponse(Response response, WebSocketNegotiation negotiation)
        {
            response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
            HttpFields.Mutable fields = response.getHeaders();
            fields.put(UPGRADE_WEBSOCKET);
            fields.put(CONNECTION_UPGRADE);
            fields.put(HttpHeader.SEC_WEBSOCKET_ACCEPT, WebSocketUtils.hashKey(((RFC6455Negotiation)negotiation).getKey()));
        }
    }

    private static final class Http2 extends RFC8441Handshaker
    {
        @Override
        protected WebSocketCoreSession newWebSocketCoreSession(Request request, FrameHandler handler, Negotiated negotiated, WebSocketComponents components)
        {
            return newSession(handler, negotiated, components);
        }

        @Override
        protected WebSocketConnection newWebSocketConnection(org.eclipse.jetty.io.EndPoint endPoint, java.util.concurrent.Executor executor,
                                                             org.eclipse.jetty.util.thread.Scheduler scheduler, org.eclipse.jetty.io.ByteBufferPool bufferPool,
                                                             WebSocketCoreSession session)
        {
            RelaySide side = (RelaySide)session.getHandler();
            side.batchToPeer();
            RelayConnection connection = new RelayConnection(endPoint, executor, scheduler, bufferPool, session, side);
            session.setWebSocketConnection(connection);
            return connection;
        }
    }
}
