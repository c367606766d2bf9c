package org.wsproxy.websocket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.eclipse.jetty.util.thread.AutoLock;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
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
    /** How long a hop that was sent a close frame may take to answer before its connection is dropped. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    enum State
    {
        CONNECTING, OPEN, CLOSING, CLOSED
    }

    private final AutoLock lock = new AutoLock();
    private final long id;
    private final String target;
    private final RelaySettings settings;
    private final Consumer<Relay> onClosed;
    private final ClientSide client = new ClientSide(this);
    private final BackendSide backend = new BackendSide(this);
    private final long created = System.nanoTime();
    // Guarded by lock, indexed by Side.ordinal().
    private State state = State.CONNECTING;
    private final boolean[] closeSent = new boolean[2];
    private final boolean[] closed = new boolean[2];
    private final String[] closes = new String[2];
    private final Callback[] pendingCloseReply = new Callback[2];
    private CloseCodes.Close deferredClientClose;

    Relay(long id, String target, RelaySettings settings, Consumer<Relay> onClosed)
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

    RelaySettings settings()
    {
        return settings;
    }

    ClientSide clientSide()
    {
        return client;
    }

    BackendSide backendSide()
    {
        return backend;
    }

    Session session(Side side)
    {
        return side == Side.CLIENT ? client.session() : backend.session();
    }

    /** Both hops are open: configure them and start reading both ways. */
    void start()
    {
        CloseCodes.Close close;
        try (AutoLock ignored = lock.lock())
        {
            close = deferredClientClose;
            if (state == State.CONNECTING)
                state = State.OPEN;
        }
        Session clientSession = client.session();
        Session backendSession = backend.session();
        if (LOG.isDebugEnabled())
            LOG.debug("ws#{} open {} <-> {}", id, clientSession.getRemoteSocketAddress(), target);
        if (close != null)
        {
            // The backend ended while the client's upgrade was being answered.
            clientSession.close(close.code(), close.reason(), Callback.NOOP);
            return;
        }
        settings.configure(clientSession);
        settings.configure(backendSession);
        clientSession.demand();
        backendSession.demand();
    }

    /** The client's upgrade failed after the backend's hop opened: the backend hop is of no use. */
    void abandon(String why)
    {
        Session backendSession = null;
        Callback pendingReply;
        try (AutoLock ignored = lock.lock())
        {
            closed[Side.CLIENT.ordinal()] = true;
            closes[Side.CLIENT.ordinal()] = "upgrade failed: " + why;
            state = State.CLOSING;
            pendingReply = pendingCloseReply[Side.BACKEND.ordinal()];
            pendingCloseReply[Side.BACKEND.ordinal()] = null;
            if (!closeSent[Side.BACKEND.ordinal()] && !closed[Side.BACKEND.ordinal()])
            {
                closeSent[Side.BACKEND.ordinal()] = true;
                backendSession = backend.session();
            }
        }
        if (backendSession != null)
            sendClose(backendSession, new CloseCodes.Close(StatusCode.SHUTDOWN, "Going Away: client handshake failed", false));
        if (pendingReply != null)
            pendingReply.succeed();
    }

    /** The proxy is stopping: both hops get 1001, the code for a server going away. */
    void shutdown()
    {
        shutdown("Going Away: proxy shutting down");
    }

    /** Both hops get 1001 with this reason (the proxy stops, or the backend was marked down). */
    void shutdown(String reason)
    {
        List<Session> sessions = new ArrayList<>(2);
        try (AutoLock ignored = lock.lock())
        {
            for (Side side : Side.values())
            {
                Session session = session(side);
                if (session != null && !closeSent[side.ordinal()] && !closed[side.ordinal()])
                {
                    closeSent[side.ordinal()] = true;
                    sessions.add(session);
                }
            }
            state = State.CLOSING;
        }
        for (Session session : sessions)
            sendClose(session, new CloseCodes.Close(StatusCode.SHUTDOWN, reason, false));
    }

    void onError(Side side, Throwable cause)
    {
        if (LOG.isDebugEnabled())
            LOG.debug("ws#{} {} error", id, side, cause);
    }

    void onClose(Side side, int code, String reason, Throwable failure, Callback callback)
    {
        Side other = side.other();
        CloseCodes.Close toSend = null;
        Session otherSession = null;
        Callback completeNow = callback;
        Callback completeOther = null;
        boolean ended;
        try (AutoLock ignored = lock.lock())
        {
            closed[side.ordinal()] = true;
            closes[side.ordinal()] = code + (reason == null || reason.isEmpty() ? "" : " '" + reason + "'");
            if (closeSent[side.ordinal()])
            {
                // The answer to a close we sent (or this hop ended after it): the other hop may now get its reply.
                completeOther = pendingCloseReply[other.ordinal()];
                pendingCloseReply[other.ordinal()] = null;
            }
            else
            {
                CloseCodes.Close mapped = CloseCodes.toPeer(side, code, reason, failure);
                if (!mapped.passthrough())
                {
                    // Nobody is left on this hop to reply to, so the other hop's close must not wait for it.
                    completeOther = pendingCloseReply[other.ordinal()];
                    pendingCloseReply[other.ordinal()] = null;
                }
                if (!closeSent[other.ordinal()] && !closed[other.ordinal()])
                {
                    closeSent[other.ordinal()] = true;
                    otherSession = session(other);
                    if (otherSession == null)
                        deferredClientClose = mapped;
                    else
                        toSend = mapped;
                    if (mapped.passthrough())
                    {
                        pendingCloseReply[side.ordinal()] = callback;
                        completeNow = null;
                    }
                }
            }
            ended = closed[0] && closed[1];
            state = ended ? State.CLOSED : State.CLOSING;
        }

        if (LOG.isDebugEnabled())
            LOG.debug("ws#{} {} closed {} {} (failure: {}), sending {}", id, side, code, reason, failure, toSend);
        if (toSend != null)
            sendClose(otherSession, toSend);
        if (completeNow != null)
            completeNow.succeed();
        if (completeOther != null)
            completeOther.succeed();
        if (ended)
            onClosed.accept(this);
    }

    /** A write to {@code side} failed: that hop is gone, so the other hop is told, once. */
    void onWriteFailed(Side side, Throwable failure)
    {
        Side other = side.other();
        Session otherSession;
        try (AutoLock ignored = lock.lock())
        {
            if (closeSent[other.ordinal()] || closed[other.ordinal()])
                return;
            closeSent[other.ordinal()] = true;
            state = State.CLOSING;
            otherSession = session(other);
        }
        if (LOG.isDebugEnabled())
            LOG.debug("ws#{} write to {} failed", id, side, failure);
        sendClose(otherSession, CloseCodes.lost(side));
        // Make sure the broken hop ends now rather than at its idle timeout.
        Session broken = session(side);
        if (broken != null)
            broken.disconnect();
    }

    private void sendClose(Session session, CloseCodes.Close close)
    {
        // A hop that does not answer our close within CLOSE_TIMEOUT is dropped by its idle timeout.
        session.setIdleTimeout(CLOSE_TIMEOUT);
        session.close(close.code(), close.reason(), Callback.NOOP);
    }

    /** A one-line summary for the access log, written once both hops are closed. */
    String summary()
    {
        try (AutoLock ignored = lock.lock())
        {
            long millis = Duration.ofNanos(System.nanoTime() - created).toMillis();
            return String.format("ws#%d %s %dms frames c>b=%d b>c=%d client-close=%s backend-close=%s",
                id, target, millis, client.frames(), backend.frames(), closes[Side.CLIENT.ordinal()], closes[Side.BACKEND.ordinal()]);
        }
    }

    @Override
    public String toString()
    {
        try (AutoLock ignored = lock.lock())
        {
            return "Relay#" + id + "[" + state + " " + target + " " + client + " " + backend + "]";
        }
    }
}
