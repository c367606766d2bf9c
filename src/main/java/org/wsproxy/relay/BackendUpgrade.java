package org.wsproxy.relay;

import java.net.URI;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

/**
 * The upgrade request that opens a relay's backend hop. When the hop runs on a plain socket of the
 * {@link RelayClientConnector}, the socket is handed to the hop (see {@link RelayEndPoint}); over TLS
 * the hop's frames to the client are written one by one instead of batched.
 */
public final class BackendUpgrade extends CoreClientUpgradeRequest
{
    private final BackendSide side;

    public BackendUpgrade(WebSocketCoreClient client, URI target, Relay relay)
    {
        super(client, target);
        this.side = relay.backendSide();
    }

    @Override
    public FrameHandler getFrameHandler()
    {
        return side;
    }

    @Override
    protected void customize(EndPoint endPoint)
    {
        if (endPoint instanceof RelayEndPoint relayEndPoint)
        {
            relayEndPoint.relayTo(side);
            side.batchToPeer();
        }
    }
}
