package org.wsproxy.websocket;

import org.eclipse.jetty.websocket.api.Session;

/**
 * The client's hop, created when the client's upgrade is accepted, which happens only after the
 * backend's hop is open: its opening starts the relay.
 */
public final class ClientSide extends RelaySide
{
    ClientSide(Relay relay)
    {
        super(relay, Side.CLIENT);
    }

    @Override
    public void onWebSocketOpen(Session session)
    {
        super.onWebSocketOpen(session);
        relay.start();
    }
}
