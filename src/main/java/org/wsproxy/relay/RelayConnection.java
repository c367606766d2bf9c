package org.wsproxy.relay;

import java.util.concurrent.Executor;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
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
 */
final class RelayConnection extends WebSocketConnection
{
    private final RelaySide side;
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
    }

    @Override
    public void fillInterested()
    {
        side.readDrained();
        getEndPoint().fillInterested(readable);
    }

    // Called from here, not from the callback: Jetty 12.0 has this method protected, which only a subclass may call.
    private void readFailed(Throwable x)
    {
        onFillInterestedFailed(x);
    }
}
