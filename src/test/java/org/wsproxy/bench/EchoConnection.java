package org.wsproxy.bench;

import java.nio.ByteBuffer;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One client WebSocket of an echo load: keeps {@code window} messages in flight, sends the next one as each
 * echo comes back, and checks every echo, whole and in order, against what was sent.
 * <p>Text message {@code n} is {@code "#<connection>:<n>:"} padded with {@code x} to the size; binary
 * message {@code n} is the shared random {@link EchoPayload} with {@code n} in its first 8 bytes. Binary
 * echoes are checked frame by frame as they arrive, never assembled. Reads are demanded explicitly, one
 * frame at a time, so everything here runs on one thread at a time. Public for Jetty's method handles.</p>
 */
public final class EchoConnection implements Session.Listener
{
    private final int id;
    private final int window;
    private final long limit;
    private final EchoPayload payload;
    private final Tally tally;
    private final Latencies latencies;
    private final Errors errors;
    private final long[] sentAt;
    private final ByteBuffer[] buffers;
    private final Callback sent;
    private volatile Session session;
    private volatile boolean closing;
    private volatile boolean closed;
    // Guarded by this: the next message to send, the next expected back, and how much of it has arrived.
    private long nextSend;
    private long nextReceive;
    private int received;

    /**
     * @param limit how many messages to send at most (the idle load checks its connections with one)
     */
    EchoConnection(int id, int window, long limit, EchoPayload payload, Tally tally, Latencies latencies, Errors errors)
    {
        this.id = id;
        this.window = window;
        this.limit = limit;
        this.payload = payload;
        this.tally = tally;
        this.latencies = latencies;
        this.errors = errors;
        this.sentAt = new long[window];
        this.buffers = new ByteBuffer[payload.binary() ? window : 0];
        for (int i = 0; i < buffers.length; i++)
            buffers[i] = payload.newMessage();
        this.sent = Callback.from(() -> { }, failure -> errors.add("send on #" + id, failure));
    }

    @Override
    public void onWebSocketOpen(Session session)
    {
        this.session = session;
        session.demand();
    }

    boolean isOpen()
    {
        Session session = this.session;
        return session != null && session.isOpen();
    }

    /** Sends the first window of messages. */
    synchronized void start()
    {
        while (nextSend < window && nextSend < limit)
            send();
    }

    /** Everything sent has come back. */
    synchronized boolean drained()
    {
        return nextReceive == nextSend;
    }

    synchronized long inFlight()
    {
        return nextSend - nextReceive;
    }

    /** Whether the close handshake has ended (or the connection never opened). */
    boolean isClosed()
    {
        return closed || session == null;
    }

    void close()
    {
        closing = true;
        Session session = this.session;
        if (session != null)
            session.close(1000, "bench done", Callback.NOOP);
    }

    private void send()
    {
        long n = nextSend++;
        sentAt[(int)(n % window)] = System.nanoTime();
        if (payload.binary())
        {
            ByteBuffer message = buffers[(int)(n % window)];
            payload.stamp(message, n);
            session.sendBinary(message.duplicate(), sent);
        }
        else
        {
            session.sendText(payload.text(id, n), sent);
        }
    }

    @Override
    public void onWebSocketText(String message)
    {
        synchronized (this)
        {
            if (nextReceive == nextSend)
                errors.add("#" + id + ": an echo nobody sent");
            else if (!message.equals(payload.text(id, nextReceive)))
                errors.add("#" + id + ": echo " + nextReceive + " differs from what was sent");
            completed();
        }
        session.demand();
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer frame, boolean last, Callback callback)
    {
        synchronized (this)
        {
            if (nextReceive == nextSend)
                errors.add("#" + id + ": an echo nobody sent");
            else if (!payload.matches(frame, received, nextReceive))
                errors.add("#" + id + ": echo " + nextReceive + " differs from what was sent at offset " + received);
            received += frame.remaining();
            if (last)
            {
                if (received != payload.size())
                    errors.add("#" + id + ": echo " + nextReceive + " has " + received + " bytes, not " + payload.size());
                received = 0;
                completed();
            }
        }
        callback.succeed();
        session.demand();
    }

    /** The echo of {@code nextReceive} is complete: record it and keep the window full. */
    private void completed()
    {
        long nanos = System.nanoTime() - sentAt[(int)(nextReceive % window)];
        ++nextReceive;
        tally.done(latencies, nanos, payload.size());
        if (tally.running() && nextSend < limit)
            send();
    }

    @Override
    public void onWebSocketError(Throwable cause)
    {
        errors.add("#" + id + " error", cause);
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason)
    {
        closed = true;
        if (!closing)
            errors.add("#" + id + " closed by the other side: " + statusCode + " " + reason);
    }
}
