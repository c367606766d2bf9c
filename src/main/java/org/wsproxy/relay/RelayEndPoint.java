package org.wsproxy.relay;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A backend connection's socket, made by {@link RelayClientConnector}. While it carries an HTTP request it
 * is a plain endpoint; once it carries a relay's backend hop ({@link #relayTo}) it does for that hop what
 * {@link RelayConnection} does for the client's: reads run on the selector thread, and before waiting
 * for more bytes it lets the hop flush what it batched for the client. (websocket-core's client makes
 * its connection itself, so the endpoint is where this can be said.)
 */
final class RelayEndPoint extends SocketChannelEndPoint
{
    private volatile RelaySide side;
    // The connection's read callback, and the same declared non-blocking: made once, not per read.
    private Callback readCallback;
    private Callback nonBlockingReadCallback;

    RelayEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler)
    {
        super(channel, selector, key, scheduler);
    }

    void relayTo(RelaySide side)
    {
        this.side = side;
    }

    @Override
    public void fillInterested(Callback callback)
    {
        RelaySide side = this.side;
        if (side == null)
        {
            super.fillInterested(callback);
            return;
        }
        side.readDrained();
        if (callback != readCallback)
        {
            readCallback = callback;
            nonBlockingReadCallback = new NonBlocking(callback);
        }
        super.fillInterested(nonBlockingReadCallback);
    }

    private record NonBlocking(Callback delegate) implements Callback
    {
        @Override
        public void succeeded()
        {
            delegate.succeeded();
        }

        @Override
        public void failed(Throwable x)
        {
            delegate.failed(x);
        }

        @Override
        public Invocable.InvocationType getInvocationType()
        {
            return Invocable.InvocationType.NON_BLOCKING;
        }
    }
}
