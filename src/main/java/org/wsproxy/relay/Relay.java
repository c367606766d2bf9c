package org.wsproxy.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two paired WebSocket sessions, the client's and the backend's, and how they end together.
 * <p>Frames are forwarded by the two {@link RelaySide}s; this class only decides closes. A close frame
 * from one hop is forwarded to the other, and the first hop's close reply is held until the other hop
 * answered, so the code and reason a client sees are the backend's own (and the other way round).
 * A hop that ends without a close frame gets the other hop closed with a code saying so
 * ({@link CloseCodes}). Each event decides under the lock and acts after releasing it.</p>
 */
public final class Relay
{
    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
    /**
     * How long a hop that was sent a close frame may take to answer before its connection is dropped; also how
     * long one closed with an abnormal code may go on writing while its connection lingers ({@link LingeringClose}).
     */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    enum State
    {
        CONNECTING, OPEN, CLOSING, CLOSED
    }

    private final long id;
    private final String target;
    private final RelaySettings settings;
    private final Consumer<Relay> onClosed;
    private final ClientSide client = new ClientSide(this);
    private final BackendSide backend = new BackendSide(this);
    private final long created = System.nanoTime();
    // Guarded by this relay's monitor (a lock object and per-hop arrays would cost every idle session some 150 bytes),
    // as is each hop's close state (the fields of RelaySide it names).
    private State state = State.CONNECTING;
    private CloseCodes.Close deferredClientClose;

    /**
     * @param onClosed called once, when both hops have ended
     */
    public Relay(long id, String target, RelaySettings settings, Consumer<Relay> onClosed)
    {
        this.id = id;
        this.target = target;
        this.settings = settings;
        this.onClosed = onClosed;
    }

    public String target()
    {
        return target;
    }

    public RelaySettings settings()
    {
        return settings;
    }

    /** The handler of the client's hop, for the client's upgrade. */
    public ClientSide clientSide()
    {
        return client;
    }

    /** The handler of the backend's hop, for the backend's upgrade. */
    public BackendSide backendSide()
    {
        return backend;
    }

    CoreSession session(Side side)
    {
        return side(side).session();
    }

    private RelaySide side(Side side)
    {
        return side == Side.CLIENT ? client : backend;
    }

    /** Both hops are open: start reading both ways. */
    void start()
    {
        CloseCodes.Close close;
        synchronized (this)
        {
            close = deferredClientClose;
            if (state == State.CONNECTING)
                state = State.OPEN;
        }
        CoreSession clientSession = client.session();
        if (LOG.isDebugEnabled())
            LOG.debug("ws#{} open {} <-> {}", id, clientSession.getRemoteAddress(), target);
        if (close != null)
        {
            // The backend ended while the client's upgrade was being answered.
            sendClose(client, close);
            return;
        }
        clientSession.demand();
        backend.session().demand();
        client.started();
        backend.started();
    }

    /** The client's upgrade failed after the backend's hop opened: the backend hop is of no use. */
    public void abandon(String why)
    {
        boolean closeBackend = false;
        Callback pendingReply;
        boolean allEnded;
        synchronized (this)
        {
            client.closeReceived = true;
            client.gone = true;
            client.closeDescription = "upgrade failed: " + why;
            state = State.CLOSING;
            pendingReply = backend.pendingCloseReply;
            backend.pendingCloseReply = null;
            if (!backend.closeSent && !backend.closeReceived)
            {
                backend.closeSent = true;
                closeBackend = backend.session() != null;
            }
            allEnded = client.gone && backend.gone;
            if (allEnded)
                state = State.CLOSED;
        }
        if (closeBackend)
            sendClose(backend, new CloseCodes.Close(CloseStatus.SHUTDOWN, "Going Away: client handshake failed", false));
        if (pendingReply != null)
            pendingReply.succeeded();
        if (allEnded)
            onClosed.accept(this);
    }

    /** The proxy is stopping: both hops get 1001, the code for a server going away. */
    public void shutdown()
    {
        shutdown("Going Away: proxy shutting down");
    }

    /** Both hops get 1001 with this reason (the proxy stops, or the backend was marked down). */
    public void shutdown(String reason)
    {
        CloseCodes.Close close = new CloseCodes.Close(CloseStatus.SHUTDOWN, reason, false);
        closeBoth(close, close);
    }

    /** A frame from {@code side} broke the route's limits: that hop gets 1009 or 1008, the other 1001. */
    void refuse(Side side, FrameBudget.Verdict verdict, FrameBudget budget)
    {
        settings.policy().report(side, verdict == FrameBudget.Verdict.TOO_BIG ? RelayPolicy.Cause.MESSAGE_TOO_BIG : RelayPolicy.Cause.OVER_RATE, this,
            verdict == FrameBudget.Verdict.TOO_BIG ? "message over " + budget.maxMessageSize() + " bytes: closed with 1009" : "over its rate limit: closed with 1008");
        CloseCodes.Close toSender = CloseCodes.refused(verdict, budget.maxMessageSize());
        CloseCodes.Close toPeer = CloseCodes.refusedPeer(side, verdict);
        if (side == Side.CLIENT)
            closeBoth(toSender, toPeer);
        else
            closeBoth(toPeer, toSender);
    }

    /** {@code side} went over its rate with {@code overRate=slow}: its next frame is read once the rate allows. */
    void onSlowed(Side side)
    {
        settings.policy().report(side, RelayPolicy.Cause.SLOWED, this, "over its rate limit: reading paused until the rate allows");
    }

    private void closeBoth(CloseCodes.Close toClient, CloseCodes.Close toBackend)
    {
        List<RelaySide> sides = new ArrayList<>(2);
        List<CloseCodes.Close> closes = new ArrayList<>(2);
        synchronized (this)
        {
            for (Side side : Side.values())
            {
                CoreSession session = session(side);
                if (session != null && !side(side).closeSent && !side(side).closeReceived)
                {
                    side(side).closeSent = true;
                    sides.add(side(side));
                    closes.add(side == Side.CLIENT ? toClient : toBackend);
                }
            }
            state = State.CLOSING;
        }
        for (int i = 0; i < sides.size(); i++)
            sendClose(sides.get(i), closes.get(i));
    }

    void onError(Side side, Throwable cause)
    {
        if (LOG.isDebugEnabled())
            LOG.debug("ws#{} {} error", id, side, cause);
    }

    /** A close frame came from {@code side}; {@code reply} sends the close reply to it when completed. */
    void onCloseFrame(Side side, int code, String reason, Callback reply)
    {
        onClose(side, code, reason, null, reply);
    }

    /** The connection of {@code side} is gone: after its close handshake, or without one. */
    void onEnded(Side side, int code, String reason, Throwable failure)
    {
        boolean closeFrameSeen;
        synchronized (this)
        {
            side(side).gone = true;
            closeFrameSeen = side(side).closeReceived;
        }
        if (!closeFrameSeen)
            onClose(side, code, reason, failure, Callback.NOOP);
        boolean allEnded;
        synchronized (this)
        {
            allEnded = client.gone && backend.gone;
            if (allEnded)
            {
                if (state == State.CLOSED)
                    return;
                state = State.CLOSED;
            }
        }
        if (allEnded)
            onClosed.accept(this);
    }

    private void onClose(Side side, int code, String reason, Throwable failure, Callback callback)
    {
        Side other = side.other();
        CloseCodes.Close toSend = null;
        CoreSession otherSession = null;
        Callback completeNow = callback;
        Callback completeOther = null;
        synchronized (this)
        {
            side(side).closeReceived = true;
            side(side).closeCode = code;
            side(side).closeDescription = code + (reason == null || reason.isEmpty() ? "" : " '" + reason + "'");
            if (side(side).closeSent)
            {
                // The answer to a close we sent (or this hop ended after it): the other hop may now get its reply.
                completeOther = side(other).pendingCloseReply;
                side(other).pendingCloseReply = null;
            }
            else
            {
                CloseCodes.Close mapped = CloseCodes.toPeer(side, code, reason, failure);
                if (!mapped.passthrough())
                {
                    // Nobody is left on this hop to reply to, so the other hop's close must not wait for it.
                    completeOther = side(other).pendingCloseReply;
                    side(other).pendingCloseReply = null;
                }
                if (!side(other).closeSent && !side(other).closeReceived)
                {
                    side(other).closeSent = true;
                    otherSession = session(other);
                    if (otherSession == null)
                        deferredClientClose = mapped;
                    else
                        toSend = mapped;
                    if (mapped.passthrough())
                    {
                        side(side).pendingCloseReply = callback;
                        completeNow = null;
                    }
                }
            }
            if (state != State.CLOSED)
                state = State.CLOSING;
        }

        if (LOG.isDebugEnabled())
            LOG.debug("ws#{} {} closed {} {} (failure: {}), sending {}", id, side, code, reason, failure, toSend);
        if (toSend != null)
            sendClose(side(other), toSend);
        if (completeNow != null)
            completeNow.succeeded();
        if (completeOther != null)
            completeOther.succeeded();
    }

    /** A write to {@code side} failed: that hop is gone, so the other hop is told, once. */
    void onWriteFailed(Side side, Throwable failure)
    {
        if (LOG.isDebugEnabled())
            LOG.debug("ws#{} write to {} failed", id, side, failure);
        lost(side, CloseCodes.lost(side));
    }

    /** {@code side} answered neither the proxy's ping nor with any frame: it is gone, so the other hop is told. */
    void onKeepaliveTimeout(Side side)
    {
        settings.policy().report(side, RelayPolicy.Cause.PING_TIMEOUT, this, "answered no ping within pingTimeout: taken for lost");
        lost(side, CloseCodes.unanswered(side));
    }

    private void lost(Side side, CloseCodes.Close toOther)
    {
        Side other = side.other();
        synchronized (this)
        {
            if (side(other).closeSent || side(other).closeReceived)
                return;
            side(other).closeSent = true;
            state = State.CLOSING;
        }
        sendClose(side(other), toOther);
        // Make sure the broken hop ends now rather than at its idle timeout, without lingering.
        RelaySide broken = side(side);
        broken.lingerOnClose(false);
        if (broken.session() != null)
            broken.session().abort();
    }

    private void sendClose(RelaySide side, CloseCodes.Close close)
    {
        CoreSession session = side.session();
        // A hop that does not answer our close within CLOSE_TIMEOUT is dropped. Not by shortening its idle
        // timeout: Jetty measures the new timeout from the hop's last read or write, so a hop quiet for longer
        // expired on the spot and websocket-core closed it with its own 1001 "Connection Idle Timeout" in
        // place of the close being passed on.
        side.closeDeadline(settings.policy().scheduler(), CLOSE_TIMEOUT);
        // A route's idle timeout shorter than that must not cut the close handshake short. Raising it is safe: Jetty
        // expires a hop at once only when its timeout is lowered.
        if (session.getIdleTimeout().compareTo(CLOSE_TIMEOUT) < 0)
            session.setIdleTimeout(CLOSE_TIMEOUT);
        // websocket-core drops the connection as soon as a close frame with an abnormal code (any but 1000, none
        // and 3000 up) is written, without waiting for the reply: the connection lingers instead, so that a hop
        // still writing gets the close frame and a FIN rather than a reset.
        side.lingerOnClose(!CloseStatus.isOrdinary(close.code()));
        if (close.code() == CloseStatus.NO_CODE)
            session.close(Callback.NOOP);
        else
            session.close(close.code(), close.reason(), Callback.NOOP);
    }

    public long id()
    {
        return id;
    }

    /** When the relay was made (System.nanoTime), as its backend handshake started. */
    public long created()
    {
        return created;
    }

    /** Frames read from {@code side} and relayed to the other hop so far (read without a lock: may lag a little). */
    public long frames(Side side)
    {
        return side == Side.CLIENT ? client.frames() : backend.frames();
    }

    /** Payload bytes read from {@code side} and relayed to the other hop so far (likewise). */
    public long bytes(Side side)
    {
        return side == Side.CLIENT ? client.bytes() : backend.bytes();
    }

    /** The close code {@code side} sent or ended with, 0 while it has not. */
    public int closeCode(Side side)
    {
        synchronized (this)
        {
            return side(side).closeCode;
        }
    }

    /** The client's address as its hop sees it, or null before the client's hop opened. */
    public java.net.SocketAddress clientAddress()
    {
        CoreSession session = client.session();
        return session == null ? null : session.getRemoteAddress();
    }

    /** The session in a few words, for log lines: its id, client address and backend. */
    String describe()
    {
        CoreSession clientSession = client.session();
        return "ws#" + id + " " + (clientSession == null ? "?" : clientSession.getRemoteAddress()) + " -> " + target;
    }

    /** A one-line summary for the access log, written once both hops are closed. */
    public String summary()
    {
        synchronized (this)
        {
            long millis = Duration.ofNanos(System.nanoTime() - created).toMillis();
            return String.format("ws#%d %s %dms frames c>b=%d b>c=%d client-close=%s backend-close=%s",
                id, target, millis, client.frames(), backend.frames(), client.closeDescription, backend.closeDescription);
        }
    }

    @Override
    public String toString()
    {
        synchronized (this)
        {
            return "Relay#" + id + "[" + state + " " + target + " " + client + " " + backend + "]";
        }
    }
}
