package org.wsproxy.relay;

import org.eclipse.jetty.websocket.core.Behavior;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.Negotiated;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.WebSocketCoreSession;

/**
 * The client hop's session: websocket-core's, except for how it drops its connection. websocket-core does so
 * ({@link #abort()}) right after writing a close frame with an abnormal code; when the relay sent that close,
 * the connection lingers instead ({@link RelayConnection#linger()}), so that a client still writing reads the
 * close frame and a FIN, not a reset.
 */
final class RelaySession extends WebSocketCoreSession
{
    private final RelaySide side;

    RelaySession(RelaySide side, Negotiated negotiated, WebSocketComponents components)
    {
        super(side, Behavior.SERVER, negotiated, components);
        this.side = side;
    }

    @Override
    public void abort()
    {
        if (side.lingersOnClose() && getConnection() instanceof RelayConnection connection && connection.linger())
            return;
        super.abort();
    }
}
