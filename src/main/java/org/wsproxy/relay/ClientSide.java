package org.wsproxy.relay;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;

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
    public void onOpen(CoreSession session, Callback callback)
    {
        super.onOpen(session, callback);
        relay.start();
    }

    @Override
    public void onFrame(Frame frame, Callback callback)
    {
        // Parsed still masked, for a backend hop that could not be made to write it so: unmasked as websocket-core would.
        if (frame instanceof MaskedPayloads.MaskedFrame masked && !relay.backendSide().writesMasked())
            masked.unmask();
        super.onFrame(frame, callback);
    }
}
