package org.wsproxy.websocket;

import java.nio.ByteBuffer;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One hop of a relay: every frame read here is written to the other hop, and the next frame is demanded
 * only when that write has completed. So at most one frame per direction is in flight, which is both the
 * backpressure (a slow reader stops the fast writer's reads) and why this object can be the write's
 * callback itself, with no allocation per frame.
 * <p>Not auto-demanding: Jetty reads nothing until {@link Session#demand()}. Public only because Jetty
 * binds the listener methods through method handles.</p>
 */
public abstract class RelaySide implements Session.Listener, Callback
{
    protected final Relay relay;
    private final Side side;
    private volatile Session session;
    private volatile Throwable failure;
    // The callback of the binary frame being written to the other hop; completing it recycles Jetty's buffer.
    private Callback pendingFrame;
    private long frames;
    // Whether this hop reads with the big buffer (RelaySettings); only touched by the reading thread.
    private boolean bulk;

    RelaySide(Relay relay, Side side)
    {
        this.relay = relay;
        this.side = side;
    }

    Session session()
    {
        return session;
    }

    long frames()
    {
        return frames;
    }

    @Override
    public void onWebSocketOpen(Session session)
    {
        this.session = session;
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback)
    {
        ++frames;
        if (!bulk && RelaySettings.fillsReadBuffer(payload.remaining()))
        {
            bulk = true;
            relay.settings().bulk(session, true);
        }
        pendingFrame = callback;
        Session peer = relay.session(side.other());
        peer.sendPartialBinary(payload, last, this);
    }

    @Override
    public void onWebSocketPartialText(String payload, boolean last)
    {
        ++frames;
        if (bulk)
        {
            bulk = false;
            relay.settings().bulk(session, false);
        }
        Session peer = relay.session(side.other());
        peer.sendPartialText(payload, last, this);
    }

    /** Overriding this turns off Jetty's automatic pong: the other hop's peer answers, so heartbeats measure the whole path. */
    @Override
    public void onWebSocketPing(ByteBuffer payload)
    {
        ++frames;
        relay.session(side.other()).sendPing(payload, this);
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload)
    {
        ++frames;
        relay.session(side.other()).sendPong(payload, this);
    }

    @Override
    public void onWebSocketError(Throwable cause)
    {
        // Jetty follows an error with onWebSocketClose; remember it so the close can be explained to the other hop.
        failure = cause;
        relay.onError(side, cause);
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback)
    {
        relay.onClose(side, statusCode, reason, failure, callback);
    }

    /** The frame read on this hop was written to the other hop: release it and read the next one. */
    @Override
    public void succeed()
    {
        Callback frame = pendingFrame;
        pendingFrame = null;
        if (frame != null)
            frame.succeed();
        session.demand();
    }

    /**
     * Writing to the other hop failed, so that hop is gone or closing: the frame is dropped (its callback
     * succeeded, since failing it would make Jetty close this hop with 1011 before the relay can choose
     * the code), the relay is told, and reading goes on so this hop's close handshake can still complete.
     */
    @Override
    public void fail(Throwable x)
    {
        Callback frame = pendingFrame;
        pendingFrame = null;
        if (frame != null)
            frame.succeed();
        relay.onWriteFailed(side.other(), x);
        session.demand();
    }

    @Override
    public String toString()
    {
        return side + "@" + Integer.toHexString(hashCode()) + "[frames=" + frames + "]";
    }
}
