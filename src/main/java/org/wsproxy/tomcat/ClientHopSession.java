package org.wsproxy.tomcat;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Utf8StringBuilder;
import org.eclipse.jetty.util.thread.AutoLock;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.OutgoingEntry;

/**
 * The client's hop of a relay on Tomcat, as websocket-core sees a hop: the relay ({@code org.wsproxy.relay}) drives it
 * exactly as on Jetty, and this turns its calls into the Jakarta WebSocket API's.
 * <ul>
 * <li>Frames to the client: a whole text or binary message goes out with the asynchronous send, and its callback, which
 * lets the relay read the backend's next frame, completes when the client has taken it. The API has no asynchronous
 * send of a message part, nor of a ping, pong or close, so those are sent on the proxy's thread pool, blocking one of
 * its threads while they are written; one frame at a time, as the relay sends them.</li>
 * <li>Frames from the client ({@link #deliver}, from {@link ClientHopEndpoint}): handed to the relay one at a time.
 * {@link #demand()} is the relay's "send the next", which resumes Tomcat's reads of the session, paused by
 * {@link TomcatSessions#suspend} when a frame went to the relay; the parts Tomcat had read already wait here.</li>
 * </ul>
 */
final class ClientHopSession extends CoreSession.Empty
{
    /** The longest close reason a close frame carries. */
    private static final int MAX_REASON = 123;
    /** Tomcat's session property (its Constants): how long a close waits for the client's answer; Long ms. */
    private static final String SESSION_CLOSE_TIMEOUT = "org.apache.tomcat.websocket.SESSION_CLOSE_TIMEOUT";

    private final FrameHandler side;
    private final Executor executor;
    private final TomcatSessions tomcat;
    private final SocketAddress local;
    private final SocketAddress remote;
    private final AutoLock lock = new AutoLock();
    // Guarded by lock: frames from the client that Tomcat delivered while one was with the relay.
    private final ArrayDeque<Frame> waiting = new ArrayDeque<>();
    private boolean relaying;
    private boolean suspended;
    private volatile Session session;
    private volatile boolean closeSent;
    // Guarded by lock when written.
    private volatile boolean inputClosed;
    // The text message being sent to the client in parts: its undecoded tail waits for the next part. Written by one
    // frame at a time.
    private final Utf8StringBuilder textParts = new Utf8StringBuilder();
    private byte partsOpCode = -1;

    ClientHopSession(FrameHandler side, Executor executor, TomcatSessions tomcat, SocketAddress local, SocketAddress remote)
    {
        this.side = side;
        this.executor = executor;
        this.tomcat = tomcat;
        this.local = local;
        this.remote = remote;
    }

    /**
     * The client's session is open: the route's idle timeout applies from now. A blocking send keeps Tomcat's own bound
     * (20 s for a client that takes nothing), rather than the idle timeout (24 h by default): it holds a pool thread.
     */
    void opened(Session session)
    {
        this.session = session;
        session.setMaxIdleTimeout(getIdleTimeout().toMillis());
    }

    /**
     * The client's hop has ended for the relay: its close frame came, the proxy's close went out (Tomcat reports that
     * as the end), or the connection went. Nothing more is relayed from it; its reads resume, so that Tomcat reads the
     * client's answer to a close and lets the connection go.
     */
    void ended()
    {
        try (AutoLock ignored = lock.lock())
        {
            inputClosed = true;
            waiting.clear();
            if (suspended)
                tomcat.resume(session);
            suspended = false;
        }
    }

    // Frames from the client.

    /**
     * A frame read from the client: to the relay now, or after the one it has. Tomcat's reads pause with the first;
     * the parts it delivers meanwhile are those of the read it is processing (at most its read buffer), and wait here.
     * Tomcat's pause and resume are flag changes (a resume hands the reading to Tomcat's pool), so they are made under
     * the lock, in step with {@code suspended}.
     */
    void deliver(Frame frame)
    {
        try (AutoLock ignored = lock.lock())
        {
            if (inputClosed)
                return;
            if (!suspended)
            {
                tomcat.suspend(session);
                suspended = true;
            }
            if (relaying)
            {
                waiting.add(frame);
                return;
            }
            relaying = true;
        }
        side.onFrame(frame, Callback.NOOP);
    }

    /** The relay took the client's last frame: the next one waiting, or Tomcat reads on. */
    @Override
    public void demand()
    {
        Frame next;
        try (AutoLock ignored = lock.lock())
        {
            next = waiting.poll();
            if (next == null)
            {
                relaying = false;
                if (suspended && !inputClosed)
                    tomcat.resume(session);
                suspended = false;
            }
        }
        if (next != null)
            side.onFrame(next, Callback.NOOP);
    }

    // Frames to the client.

    @Override
    public void sendFrame(OutgoingEntry entry)
    {
        Frame frame = entry.getFrame();
        Callback callback = entry.getCallback();
        Session session = this.session;
        try
        {
            switch (frame.getOpCode())
            {
                case OpCode.TEXT, OpCode.BINARY, OpCode.CONTINUATION -> sendData(session, frame, callback);
                case OpCode.PING -> blocking(() -> session.getBasicRemote().sendPing(frame.getPayload()), callback);
                case OpCode.PONG -> blocking(() -> session.getBasicRemote().sendPong(frame.getPayload()), callback);
                // The relay closes with close(); nothing else is sent.
                default -> callback.succeeded();
            }
        }
        catch (Throwable x)
        {
            callback.failed(x);
        }
    }

    private void sendData(Session session, Frame frame, Callback callback)
    {
        if (frame.getOpCode() != OpCode.CONTINUATION && frame.isFin())
        {
            SendHandler done = result -> complete(result, callback);
            if (frame.getOpCode() == OpCode.TEXT)
                session.getAsyncRemote().sendText(frame.getPayloadAsUTF8(), done);
            else
                session.getAsyncRemote().sendBinary(frame.getPayload(), done);
            return;
        }
        // A message in parts: the API sends parts only blocking, and text parts as strings, so a character cut
        // between two frames waits for the rest in textParts.
        if (frame.getOpCode() != OpCode.CONTINUATION)
            partsOpCode = frame.getOpCode();
        boolean last = frame.isFin();
        if (partsOpCode == OpCode.TEXT)
        {
            textParts.append(frame.getPayload().slice());
            String text = last ? textParts.takeCompleteString(null) : textParts.takePartialString(null);
            blocking(() -> session.getBasicRemote().sendText(text, last), callback);
        }
        else
            blocking(() -> session.getBasicRemote().sendBinary(frame.getPayload(), last), callback);
    }

    private static void complete(SendResult result, Callback callback)
    {
        if (result.isOK())
            callback.succeeded();
        else
            callback.failed(result.getException());
    }

    /** A send the API offers only blocking: on the proxy's pool, so no thread of Tomcat or of the backend's client waits. */
    private void blocking(Send send, Callback callback)
    {
        try
        {
            executor.execute(() ->
            {
                try
                {
                    send.run();
                }
                catch (Throwable x)
                {
                    callback.failed(x);
                    return;
                }
                callback.succeeded();
            });
        }
        catch (RejectedExecutionException x)
        {
            callback.failed(x);
        }
    }

    private interface Send
    {
        void run() throws Exception;
    }

    @Override
    public void close(Callback callback)
    {
        // The API cannot send a close frame without a code: the client gets 1000, the code for a normal close.
        close(CloseStatus.NORMAL, null, callback);
    }

    @Override
    public void close(int statusCode, String reason, Callback callback)
    {
        closeSent = true;
        Session session = this.session;
        // The relay sets the time a hop has to answer its close as the idle timeout, just before closing.
        session.getUserProperties().put(SESSION_CLOSE_TIMEOUT, getIdleTimeout().toMillis());
        CloseReason close = closeReason(statusCode, reason);
        blocking(() -> session.close(close), callback);
    }

    @Override
    public void close(CloseStatus closeStatus, Callback callback)
    {
        close(closeStatus.getCode(), closeStatus.getReason(), callback);
    }

    @Override
    public void abort()
    {
        closeSent = true;
        Session session = this.session;
        if (session == null)
            return;
        blocking(() -> tomcat.closeNow(session, new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "")), Callback.NOOP);
    }

    /**
     * The API's close reason for a code and reason the relay chose. The API's enum lacks 1014 (Bad Gateway, which the
     * relay sends when a backend vanished), so a code it does not name is given as it is; Tomcat writes any code.
     * A code no close frame may carry becomes 1011.
     */
    static CloseReason closeReason(int code, String reason)
    {
        CloseReason.CloseCode closeCode;
        if (!CloseStatus.isTransmittableStatusCode(code))
            closeCode = CloseReason.CloseCodes.UNEXPECTED_CONDITION;
        else
        {
            try
            {
                closeCode = CloseReason.CloseCodes.getCloseCode(code);
            }
            catch (IllegalArgumentException x)
            {
                closeCode = () -> code;
            }
        }
        return new CloseReason(closeCode, truncate(reason));
    }

    private static String truncate(String reason)
    {
        if (reason == null)
            return "";
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON)
            return reason;
        // Cut at a character boundary: drop the bytes of a character cut in two.
        int end = MAX_REASON;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80)
            end--;
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    @Override
    public void setIdleTimeout(Duration timeout)
    {
        super.setIdleTimeout(timeout);
        Session session = this.session;
        if (session != null && session.isOpen())
            session.setMaxIdleTimeout(timeout.toMillis());
    }

    @Override
    public String getNegotiatedSubProtocol()
    {
        Session session = this.session;
        String subProtocol = session == null ? null : session.getNegotiatedSubprotocol();
        return subProtocol == null || subProtocol.isEmpty() ? null : subProtocol;
    }

    @Override
    public boolean isInputOpen()
    {
        return !inputClosed;
    }

    @Override
    public boolean isOutputOpen()
    {
        Session session = this.session;
        return !closeSent && session != null && session.isOpen();
    }

    @Override
    public boolean isClosed()
    {
        Session session = this.session;
        return session != null && !session.isOpen();
    }

    @Override
    public SocketAddress getLocalAddress()
    {
        return local;
    }

    @Override
    public SocketAddress getRemoteAddress()
    {
        return remote;
    }

    @Override
    public String toString()
    {
        return "ClientHopSession[" + remote + (closeSent ? " close sent" : "") + (inputClosed ? " input closed" : "") + "]";
    }
}
