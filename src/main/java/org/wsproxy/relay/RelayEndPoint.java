package org.wsproxy.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A backend connection's socket, made by {@link RelayClientConnector}. While it carries an HTTP request it
 * is a plain endpoint; once it carries a relay's backend hop ({@link #relayTo}) it does for that hop what
 * {@link RelayConnection} does for the client's: reads run on the selector thread, and before waiting
 * for more bytes it lets the hop flush what it batched for the client. (websocket-core's client makes
 * its connection itself, so the endpoint is where this can be said.)
 * <p>For the same reason the hop's lingering close ({@link LingeringClose}) is done here: when the relay
 * closed the hop with a code websocket-core takes for abnormal, websocket-core's close of this endpoint ends
 * the endpoint and its connection as usual, but leaves the socket open with its output shut; the socket then
 * reads and drops what the backend still sends, through this endpoint's selection key, until the backend's
 * EOF or the bound, and is closed then.</p>
 */
final class RelayEndPoint extends SocketChannelEndPoint
{
    private static final ManagedSelector.SelectorUpdate WAKE_UP = selector -> {};

    private final ManagedSelector selector;
    private final RelayClientConnector connector;
    private volatile RelaySide side;
    // Set by doClose when the hop lingers: from then on the socket is read only to drop what comes.
    private volatile Lingering lingering;
    // The connection's read callback, and the same declared non-blocking: made once, not per read.
    private Callback readCallback;
    private Callback nonBlockingReadCallback;

    RelayEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler, RelayClientConnector connector)
    {
        super(channel, selector, key, scheduler);
        this.selector = selector;
        this.connector = connector;
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
        if (lingering != null)
        {
            // websocket-core's read loop ending after the close: the lingering reads, armed when the endpoint's
            // close has failed any read callback left, take over.
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

    /**
     * The endpoint is closing. Unless the hop lingers, the socket is closed now; when it lingers, only its output
     * is shut (the close frame was written: the FIN follows it), and it is closed when the lingering ends.
     */
    @Override
    public void doClose()
    {
        RelaySide side = this.side;
        if (side != null && side.lingersOnClose() && getChannel().isOpen())
        {
            try
            {
                getChannel().shutdownOutput();
                lingering = new Lingering();
                connector.lingering(this);
                return;
            }
            catch (IOException | RuntimeException x)
            {
                // Not connected any more: nothing to linger on.
            }
        }
        super.doClose();
    }

    @Override
    public void onClose(Throwable cause)
    {
        // The endpoint's reads and writes fail, the selector ends it and its connection, as for any close.
        super.onClose(cause);
        Lingering lingering = this.lingering;
        if (lingering != null)
            lingering.start(getScheduler());
    }

    /** Closes the socket of a hop still lingering, because the connector stops. */
    void closeLingering()
    {
        Lingering lingering = this.lingering;
        if (lingering != null)
            lingering.run();
    }

    /**
     * The backend hop's lingering reads: straight from the socket, since the endpoint is closed (it would read
     * nothing), with this endpoint's fill interest, which still arms the socket's selection key.
     */
    private final class Lingering extends LingeringClose
    {
        @Override
        int read(ByteBuffer buffer) throws IOException
        {
            buffer.clear();
            return getChannel().read(buffer);
        }

        @Override
        void interested()
        {
            tryFillInterested(this);
        }

        @Override
        void close()
        {
            connector.lingered(RelayEndPoint.this);
            IO.close(getChannel());
            // A registered socket is released when its selector drops the key, at its next select: wake it up,
            // as the selector does for any endpoint it closes.
            selector.submit(WAKE_UP);
        }
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
