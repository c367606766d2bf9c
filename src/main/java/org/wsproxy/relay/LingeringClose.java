package org.wsproxy.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ProxyConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * nginx's lingering close, for a hop the relay closed with a code websocket-core takes for abnormal (any but
 * 1000, none, and 3000 up: 1001, 1008, 1009, 1011, 1014...). websocket-core drops such a connection as soon as
 * its close frame is written; a peer still writing then has bytes unread in the proxy's socket, so closing it
 * sends a reset, and the peer's stack may throw away the close frame it had not read yet (the peer reports
 * 1006). Instead the hop's output is shut once the close frame is written (a FIN after its last byte), and
 * whatever the peer still sends is read into one buffer and dropped, never parsed, until the peer's EOF
 * (it read the close frame and closed too) or {@link #TIME}; only then is the socket closed.
 * <p>It is the read callback itself and the bound's task, so a lingering hop costs this object, a timer, and a
 * buffer made at its first read (only closes with an abnormal code linger, so it is not worth a pool's buffer,
 * whose type differs between Jetty 12.0 and 12.1). No thread waits: reads run when the selector says there is
 * something to read, and the bound is a task on the scheduler.</p>
 */
abstract class LingeringClose implements Callback, Runnable
{
    /**
     * How long a peer may go on sending after its close frame before its connection is dropped anyway: the time
     * the relay gives any hop to answer a close. (nginx waits up to 5 s for each read, {@code lingering_timeout},
     * and 30 s in all, {@code lingering_time}; a peer told to go away by a close frame needs less.)
     */
    static final Duration TIME = Relay.CLOSE_TIMEOUT;
    /** nginx drops lingering bytes 4 KiB at a time; more per read means fewer reads for a peer in full flow. */
    private static final int BUFFER_SIZE = 16 * 1024;
    /** Reads per wake-up, so that a peer writing as fast as they go does not keep the selector thread. */
    private static final int MAX_READS = 16;

    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Scheduler.Task bound;
    // Made at the first read; reads are serialized by the fill interest, one at a time.
    private ByteBuffer buffer;

    /**
     * Whether a hop on {@code endPoint} can linger: a TCP socket, plain or behind the PROXY protocol. Over TLS
     * (the close_notify and the records around it) or an HTTP/2 stream (a reset stream loses nothing else on the
     * connection), the hop is closed as websocket-core does.
     */
    static boolean overTcp(EndPoint endPoint)
    {
        if (endPoint instanceof ProxyConnectionFactory.ProxyEndPoint && endPoint instanceof EndPoint.Wrapper proxied)
            endPoint = proxied.unwrap();
        return endPoint instanceof SocketChannelEndPoint;
    }

    /** The hop's output is shut: from now on it reads and drops, for {@link #TIME} at most. */
    final void start(Scheduler scheduler)
    {
        try
        {
            bound = scheduler.schedule(this, TIME);
        }
        catch (RejectedExecutionException x)
        {
            // The server is stopping: nothing would end the lingering.
            end();
            return;
        }
        interested();
    }

    /** The peer sent more, or closed: drop what came, then wait for more or end. */
    @Override
    public void succeeded()
    {
        if (ended.get())
            return;
        if (buffer == null)
            buffer = ByteBuffer.allocate(BUFFER_SIZE);
        try
        {
            for (int i = 0; i < MAX_READS; i++)
            {
                int read = read(buffer);
                if (read < 0)
                {
                    end();
                    return;
                }
                if (read == 0)
                    break;
            }
        }
        catch (IOException | RuntimeException x)
        {
            end();
            return;
        }
        interested();
    }

    /** Waiting for bytes failed (the connection was closed under it): nothing is left to read. */
    @Override
    public void failed(Throwable x)
    {
        end();
    }

    /** The bound: the peer is still sending after {@link #TIME}, so its connection is closed now, unread bytes or not. */
    @Override
    public void run()
    {
        end();
    }

    /** The connection was closed by other means (the server stopping): the bound is not needed any more. */
    final void closed()
    {
        if (ended.compareAndSet(false, true))
            cancelBound();
    }

    private void end()
    {
        if (!ended.compareAndSet(false, true))
            return;
        cancelBound();
        close();
    }

    private void cancelBound()
    {
        Scheduler.Task task = bound;
        if (task != null)
            task.cancel();
    }

    /**
     * Reads what the peer sent into {@code buffer}, to be dropped.
     *
     * @return the bytes read, 0 when there are none now, -1 at the peer's EOF
     */
    abstract int read(ByteBuffer buffer) throws IOException;

    /** Asks for this object to be called back when there is something to read. */
    abstract void interested();

    /** Closes the connection for good. */
    abstract void close();

    @Override
    public InvocationType getInvocationType()
    {
        // Reads that drop what they read, and a close: never blocks, so it runs on the selector thread.
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public String toString()
    {
        return getClass().getSimpleName() + "[ended=" + ended.get() + "]";
    }
}
