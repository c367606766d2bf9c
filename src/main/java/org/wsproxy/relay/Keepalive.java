package org.wsproxy.relay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * Pings one hop that sent nothing for {@code pingInterval}, and takes it for dead when it then sends nothing,
 * not even the pong, for {@code pingTimeout}. The frame path pays nothing for it: a check on the scheduler,
 * every half interval, compares the hop's frame count with the one it saw last (two silent checks in a row make a
 * ping: so a hop is pinged after between one and one and a half intervals of silence). A hop that is not being
 * read (its last frame still being written to the other hop, or slowed by its rate) is not silent by its own
 * doing and is never pinged meanwhile. The proxy's pings carry {@link #PAYLOAD}, so their pongs are told
 * apart from the application's and are not relayed.
 */
final class Keepalive implements Runnable
{
    private static final byte[] PAYLOAD = "wsproxy keepalive".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuffer PAYLOAD_BUFFER = ByteBuffer.wrap(PAYLOAD).asReadOnlyBuffer();

    private final RelaySide hop;
    private final Scheduler scheduler;
    private final long checkNanos;
    private final long timeoutNanos;
    // Set by the reading thread when the proxy's pong comes; read and cleared by the check.
    private volatile boolean pong;
    private volatile boolean stopped;
    private volatile Scheduler.Task task;
    // Only touched by the checks, which run one after the other.
    private long lastFrames;
    private int silentChecks;
    private boolean awaitingPong;
    private long pongDeadline;

    Keepalive(RelaySide hop, Scheduler scheduler, Duration interval, Duration timeout)
    {
        this.hop = hop;
        this.scheduler = scheduler;
        this.checkNanos = Math.max(1, interval.toNanos() / 2);
        this.timeoutNanos = timeout.toNanos();
    }

    void start()
    {
        schedule(checkNanos);
    }

    void stop()
    {
        stopped = true;
        Scheduler.Task scheduled = task;
        if (scheduled != null)
            scheduled.cancel();
    }

    /** @return true when {@code frame}, a pong, answers the proxy's ping (and is then not relayed) */
    boolean isOwnPong(Frame frame)
    {
        if (frame.getPayloadLength() != PAYLOAD.length || !PAYLOAD_BUFFER.equals(frame.getPayload()))
            return false;
        pong = true;
        return true;
    }

    @Override
    public void run()
    {
        CoreSession session = hop.session();
        // Once a close frame went either way on this hop, the close handshake and its timeout take over.
        if (stopped || !session.isInputOpen() || !session.isOutputOpen())
            return;
        long frames = hop.frames();
        boolean heard = frames != lastFrames || pong || !hop.reading();
        lastFrames = frames;
        pong = false;
        if (heard)
        {
            awaitingPong = false;
            silentChecks = 0;
            schedule(checkNanos);
            return;
        }
        if (awaitingPong)
        {
            long left = pongDeadline - System.nanoTime();
            if (left <= 0)
                hop.keepaliveTimedOut();
            else
                schedule(Math.min(checkNanos, left));
            return;
        }
        if (++silentChecks < 2)
        {
            schedule(checkNanos);
            return;
        }
        silentChecks = 0;
        awaitingPong = true;
        pongDeadline = System.nanoTime() + timeoutNanos;
        ping(session);
        schedule(Math.min(checkNanos, timeoutNanos));
    }

    private static void ping(CoreSession session)
    {
        // A copy: a ping to the backend is masked, maybe in place.
        session.sendFrame(new Frame(OpCode.PING, ByteBuffer.wrap(PAYLOAD.clone())), Callback.NOOP, false);
    }

    private void schedule(long nanos)
    {
        if (!stopped)
            task = scheduler.schedule(this, nanos, TimeUnit.NANOSECONDS);
    }
}
