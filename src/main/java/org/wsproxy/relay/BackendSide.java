package org.wsproxy.relay;

/**
 * The backend's hop, opened first. It must not demand on open: there is no client hop to write to yet,
 * and frames the backend sends meanwhile wait in the socket, bounded by TCP, until the relay starts.
 */
public final class BackendSide extends RelaySide
{
    BackendSide(Relay relay)
    {
        super(relay, Side.BACKEND);
    }

    /** The subprotocol the backend chose, or null. */
    public String subProtocol()
    {
        return session().getNegotiatedSubProtocol();
    }
}
