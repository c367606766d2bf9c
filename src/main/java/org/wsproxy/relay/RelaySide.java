package org.wsproxy.relay;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * One hop of a relay, on websocket-core: every frame read here is written to the other hop as the same
 * frame (opcode, fin bit and payload bytes, never decoded), and the next frame is demanded only when that
 * write has completed. So at most one frame per direction is in flight, which is both the backpressure
 * (a slow reader stops the fast writer's reads) and why this object can be the write's callback itself,
 * with no allocation per frame.
 * <p>websocket-core reads nothing until {@link CoreSession#demand()}, answers no ping by itself (pings
 * and pongs are relayed, so heartbeats measure the whole path) and replies to a close frame only when
 * the close frame's callback completes, which is how {@link Relay} holds a reply until the other hop
 * has answered.</p>
 * <p>The route's limits and keepalive ({@link RelayPolicy}) are a {@link FrameBudget} and a {@link Keepalive}
 * per hop, null when off: then a frame costs an opcode compare and two null checks more.</p>
 */
public abstract class RelaySide implements FrameHandler, Callback
{
    protected final Relay relay;
    private final Side side;
    private volatile CoreSession session;
    private volatile Throwable failure;
    // The callback of the frame being written to the other hop; completing it releases the read buffer.
    private Callback pendingFrame;
    // Frames and payload bytes read here (and written to the other hop): plain fields, written only by this
    // hop's reading thread, read by the metrics while the session lives (a stale value is fine there).
    private long frames;
    private long bytes;
    // Whether frames read here may be batched for the other hop: only when this hop says when its reads
    // drain (readDrained), which is when they are flushed. Set before the hop opens.
    private boolean batch;
    // Frames were batched for the other hop since the last flush; only touched by the reading thread.
    private boolean unflushed;
    // The route's limits on what this hop sends, and its keepalive; null when off. Set when the hop opens.
    private FrameBudget budget;
    private Keepalive keepalive;
    private volatile boolean ended;
    // The relay closed this hop with a code websocket-core takes for abnormal: its connection lingers when dropped.
    private volatile boolean lingerOnClose;
    // The timer that drops this hop if it does not answer the relay's close; null until a close is sent.
    private volatile Scheduler.Task closeDeadline;
    // This hop's close state, decided by the Relay and guarded by its monitor: fields here rather than arrays indexed
    // by side in the Relay, which every idle session would pay for.
    // A close frame was sent to the hop.
    boolean closeSent;
    // A close frame came from the hop, or it ended without one.
    boolean closeReceived;
    // The hop's connection is gone (websocket-core's onClosed), or it never opened.
    boolean gone;
    // The close code the hop sent or ended with (1006 when its connection went without one), 0 while open.
    int closeCode;
    // The code and reason, for the access log; null while open.
    String closeDescription;
    // The close reply to this hop, held until the other hop has answered the close passed on to it.
    Callback pendingCloseReply;

    RelaySide(Relay relay, Side side)
    {
        this.relay = relay;
        this.side = side;
    }

    CoreSession session()
    {
        return session;
    }

    /** The frames read and relayed so far; the keepalive's check reads it on another thread, at worst a little stale. */
    long frames()
    {
        return frames;
    }

    long bytes()
    {
        return bytes;
    }

    /** Whether frames are being demanded from this hop: not while its last one is written to the other hop, or it is slowed. */
    boolean reading()
    {
        return pendingFrame == null && (budget == null || !budget.paused());
    }

    @Override
    public void onOpen(CoreSession session, Callback callback)
    {
        this.session = session;
        RelayPolicy policy = relay.settings().policy();
        budget = policy.budget(side, this);
        keepalive = policy.keepalive(this);
        callback.succeeded();
    }

    /** Both hops are open: the keepalive starts. */
    void started()
    {
        if (keepalive != null)
            keepalive.start();
    }

    @Override
    public void onFrame(Frame frame, Callback callback)
    {
        if (frame.getOpCode() == OpCode.CLOSE)
        {
            CloseStatus close = CloseStatus.getCloseStatus(frame);
            relay.onCloseFrame(side, close.getCode(), close.getReason(), callback);
            return;
        }
        if (frame.getOpCode() == OpCode.PONG && keepalive != null && keepalive.isOwnPong(frame))
        {
            // The answer to the proxy's own ping: the other hop never sent that ping.
            callback.succeeded();
            session.demand();
            return;
        }
        if (budget != null)
        {
            FrameBudget.Verdict verdict = budget.admit(frame);
            if (verdict != FrameBudget.Verdict.PASS)
            {
                // Not relayed; reading goes on so that this hop's close reply is read.
                callback.succeeded();
                relay.refuse(side, verdict, budget);
                session.demand();
                return;
            }
        }
        ++frames;
        bytes += frame.getPayloadLength();
        pendingFrame = callback;
        unflushed |= batch;
        relay.session(side.other()).sendFrame(frame, this, batch);
    }

    /**
     * The relay is closing this hop with a code websocket-core takes for abnormal, or, with {@code false}, is
     * dropping it as broken: whether its connection, when websocket-core drops it, lingers ({@link LingeringClose}).
     */
    void lingerOnClose(boolean linger)
    {
        lingerOnClose = linger;
    }

    boolean lingersOnClose()
    {
        return lingerOnClose;
    }

    /** This hop's connection tells when its reads drain, so frames read here may be batched (see {@link #readDrained}). */
    void batchToPeer()
    {
        batch = true;
    }

    /**
     * This hop's reads have drained the socket and wait for more: the frames they brought and batched for
     * the other hop leave now, in one write, rather than one write each.
     */
    void readDrained()
    {
        if (!unflushed)
            return;
        unflushed = false;
        CoreSession peer = relay.session(side.other());
        if (peer != null)
            peer.flush(Callback.NOOP);
    }

    @Override
    public void onError(Throwable cause, Callback callback)
    {
        // websocket-core follows an error with onClosed; remember it so the end can be explained to the other hop.
        failure = cause;
        relay.onError(side, cause);
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback)
    {
        ended = true;
        Scheduler.Task deadline = closeDeadline;
        if (deadline != null)
            deadline.cancel();
        if (keepalive != null)
            keepalive.stop();
        relay.onEnded(side, closeStatus.getCode(), closeStatus.getReason(), failure != null ? failure : closeStatus.getCause());
        callback.succeeded();
    }

    /** The frame read on this hop was written to the other hop: release it and read the next one. */
    @Override
    public void succeeded()
    {
        Callback frame = pendingFrame;
        pendingFrame = null;
        frame.succeeded();
        if (budget != null && budget.deferDemand())
            relay.onSlowed(side);
        else
            session.demand();
    }

    /**
     * The relay sent this hop a close: unless the hop has ended within {@code timeout}, its connection is dropped.
     * The timer is cancelled when the hop ends, so that it does not keep the ended session's objects for the rest
     * of the timeout (6,000 sessions ending at once would keep tens of MiB alive for 5 s).
     */
    void closeDeadline(Scheduler scheduler, Duration timeout)
    {
        Scheduler.Task task = scheduler.schedule(this::dropUnlessEnded, timeout.toNanos(), TimeUnit.NANOSECONDS);
        closeDeadline = task;
        if (ended)
            task.cancel();
    }

    private void dropUnlessEnded()
    {
        CoreSession session = this.session;
        if (!ended && session != null)
            session.abort();
    }

    /** The next frame, after a pause that {@link FrameBudget} scheduled. */
    void demandNext()
    {
        if (!ended)
            session.demand();
    }

    /** This hop answered neither the proxy's ping nor with any frame: it is gone. */
    void keepaliveTimedOut()
    {
        relay.onKeepaliveTimeout(side);
    }

    /**
     * Writing to the other hop failed, so that hop is gone or closing: the frame is dropped (its callback
     * succeeded, since failing it would make websocket-core close this hop with 1011 before the relay can
     * choose the code), the relay is told, and reading goes on so this hop's close handshake can complete.
     */
    @Override
    public void failed(Throwable x)
    {
        Callback frame = pendingFrame;
        pendingFrame = null;
        frame.succeeded();
        relay.onWriteFailed(side.other(), x);
        session.demand();
    }

    @Override
    public InvocationType getInvocationType()
    {
        // Completing a write only releases a buffer and asks for the next read: never blocks.
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public String toString()
    {
        return side + "@" + Integer.toHexString(hashCode()) + "[frames=" + frames + "]";
    }
}
