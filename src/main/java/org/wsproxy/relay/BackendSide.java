package org.wsproxy.relay;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.WebSocketCoreSession;

/**
 * The backend's hop, opened first. It must not demand on open: there is no client hop to write to yet,
 * and frames the backend sends meanwhile wait in the socket, bounded by TCP, until the relay starts.
 */
public final class BackendSide extends RelaySide
{
    // Whether this hop's connection writes the client's data frames still masked (MaskedPayloads); set on open,
    // before the client hop exists.
    private volatile boolean writesMasked;

    BackendSide(Relay relay)
    {
        super(relay, Side.BACKEND);
    }

    @Override
    public void onOpen(CoreSession session, Callback callback)
    {
        writesMasked = session instanceof WebSocketCoreSession coreSession && MaskedPayloads.writeMasked(coreSession.getConnection());
        super.onOpen(session, callback);
    }

    /** Whether a client's frame may be written here still masked; if not, the client hop unmasks it first. */
    boolean writesMasked()
    {
        return writesMasked;
    }

    /** The subprotocol the backend chose, or null. */
    public String subProtocol()
    {
        return session().getNegotiatedSubProtocol();
    }
}
