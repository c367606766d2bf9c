package org.wsproxy.relay;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;

/** The backend client's connector: its TCP sockets are {@link RelayEndPoint}s, which a backend hop can take over. */
public final class RelayClientConnector extends ClientConnector
{
    @Override
    protected EndPoint newEndPoint(SelectableChannel selectable, ManagedSelector selector, SelectionKey selectionKey)
    {
        if (selectable instanceof SocketChannel channel)
            return new RelayEndPoint(channel, selector, selectionKey, getScheduler());
        return super.newEndPoint(selectable, selector, selectionKey);
    }
}
