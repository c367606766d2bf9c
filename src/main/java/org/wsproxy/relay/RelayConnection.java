package org.wsproxy.relay;

import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.WebSocketConnection;
import org.eclipse.jetty.websocket.core.WebSocketCoreSession;

/**
 * The client hop's connection. Two differences from websocket-core's own, both about cost per frame:
 * <ul>
 * <li>Its reads run on the selector thread (non-blocking): the relay only parses, hands each frame to
 * the other hop's non-blocking write and asks for the next, so handing the read to a pool thread would
 * cost more than the work.</li>
 * <li>Before it waits for more bytes, it tells its {@link RelaySide}, which flushes the frames batched
 * for the other hop: frames that one read brought leave in one write.</li>
 * </ul>
 * It asks its endpoint for reads itself, as Jetty 12.1's {@code AbstractConnection.fillInterested(Callback)} does
 * (which 12.0 lacks), so the same class runs on both (host/JettyApi).
 * Its client's data frames are parsed still masked, to be written to the backend as they came ({@link MaskedPayloads}).
 * And one about the end: when the relay closed the hop with a code websocket-core takes for abnormal, the
 * connection lingers ({@link #linger()}, {@link LingeringClose}) instead of being dropped at once.
 */
final class RelayConnection extends WebSocketConnection
{
    private final RelaySide side;
    private final Scheduler scheduler;
    // Set once, when the hop starts lingering: from then on reads drop bytes instead of parsing frames.
    private volatile Lingering lingering;
    private final Callback readable = new Callback()
    {
        @Override
        public void succeeded()
        {
            onFillable();
        }

        @Override
        public void failed(Throwable x)
        {
            readFailed(x);
        }

        @Override
        public Invocable.InvocationType getInvocationType()
        {
            return Invocable.InvocationType.NON_BLOCKING;
        }
    };

    RelayConnection(EndPoint endPoint, Executor executor, Scheduler scheduler, ByteBufferPool bufferPool, WebSocketCoreSession session, RelaySide side)
    {
        super(endPoint, executor, scheduler, bufferPool, session);
        this.side = side;
        this.scheduler = scheduler;
        // Before the first read: the client's data frames are parsed still masked (MaskedPayloads).
        MaskedPayloads.parseMasked(this, bufferPool, session);
    }

    @Override
    public void fillInterested()
    {
        if (lingering != null)
        {
            // websocket-core's read loop ending after the hop started lingering: the lingering reads take over.
            tryFillInterested(readable);
            return;
        }
        side.readDrained();
        getEndPoint().fillInterested(readable);
    }

    // Called from here, not from the callback: Jetty 12.0 has this method protected, which only a subclass may call.
    private void readFailed(Throwable x)
    {
        onFillInterestedFailed(x);
    }

    /**
     * Instead of websocket-core's abort (demand cancelled, socket closed), which its session does right after
     * writing a close frame with an abnormal code: shut the output and read what the client still sends, to drop
     * it, until its EOF or {@link LingeringClose#TIME}.
     *
     * @return false when the hop cannot linger (not a TCP socket, closed, or the client's EOF already read): then
     * it is aborted as before
     */
    boolean linger()
    {
        EndPoint endPoint = getEndPoint();
        if (!LingeringClose.overTcp(endPoint) || !endPoint.isOpen() || endPoint.isInputShutdown())
            return false;
        cancelDemand();
        Lingering lingering = new Lingering();
        this.lingering = lingering;
        // The close frame was written (this runs when its write completed): the FIN follows it. (websocket-core's
        // server side has already shut the output once the close frame was flushed; then this does nothing.)
        endPoint.shutdownOutput();
        lingering.start(scheduler);
        return true;
    }

    @Override
    public void onFillable()
    {
        Lingering lingering = this.lingering;
        if (lingering != null)
            lingering.succeeded();
        else
            super.onFillable();
    }

    @Override
    public void onFillInterestedFailed(Throwable cause)
    {
        Lingering lingering = this.lingering;
        if (lingering != null)
            lingering.failed(cause);
        else
            super.onFillInterestedFailed(cause);
    }

    /** After the close, frames are no longer parsed: websocket-core's read loop stops at its next frame. */
    @Override
    public boolean moreDemand()
    {
        return lingering == null && super.moreDemand();
    }

    /** A demand made after the close (the relay reads on after refusing a frame) parses nothing more. */
    @Override
    public void run()
    {
        if (lingering == null)
            super.run();
    }

    /** While lingering, a silent client is simply closed: the session has already ended. */
    @Override
    public boolean onIdleExpired(TimeoutException timeoutException)
    {
        return lingering != null || super.onIdleExpired(timeoutException);
    }

    @Override
    public void onClose(Throwable cause)
    {
        Lingering lingering = this.lingering;
        if (lingering != null)
            lingering.closed();
        super.onClose(cause);
    }

    /** The client hop's lingering reads: through its endpoint, whose output is shut, until the client's EOF. */
    private final class Lingering extends LingeringClose
    {
        @Override
        int read(ByteBuffer buffer) throws java.io.IOException
        {
            BufferUtil.clear(buffer);
            // -1 at EOF (or a reset): the endpoint, shut both ways, then closes itself.
            return getEndPoint().fill(buffer);
        }

        @Override
        void interested()
        {
            tryFillInterested(readable);
        }

        @Override
        void close()
        {
            getEndPoint().close();
        }
    }
}
