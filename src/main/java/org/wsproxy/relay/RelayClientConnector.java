package org.wsproxy.relay;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;

/**
 * The backend client's connector: its TCP sockets are {@link RelayEndPoint}s, which a backend hop can take over.
 * It closes the sockets of hops still lingering when it stops: their selector and scheduler stop with it, so
 * nothing else would.
 */
public final class RelayClientConnector extends ClientConnector
{
    private final Set<RelayEndPoint> lingering = ConcurrentHashMap.newKeySet();

    @Override
    protected EndPoint newEndPoint(SelectableChannel selectable, ManagedSelector selector, SelectionKey selectionKey)
    {
        if (selectable instanceof SocketChannel channel)
            return new RelayEndPoint(channel, selector, selectionKey, getScheduler(), this);
        return super.newEndPoint(selectable, selector, selectionKey);
    }

    void lingering(RelayEndPoint endPoint)
    {
        lingering.add(endPoint);
    }

    void lingered(RelayEndPoint endPoint)
    {
        lingering.remove(endPoint);
    }

    @Override
    protected void doStop() throws Exception
    {
        for (RelayEndPoint endPoint : lingering)
            endPoint.closeLingering();
        super.doStop();
    }
}
