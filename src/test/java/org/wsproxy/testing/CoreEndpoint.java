package org.wsproxy.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * A websocket-core endpoint for the tests, as a backend ({@link CoreBackend}) or a client: it records every ping,
 * pong and whole text message it gets, and answers pings only while {@link #answerPings} is true (websocket-core
 * answers none by itself), which is how a peer that stopped answering is played. As a backend it echoes data
 * frames and obeys text commands: {@code ping:DATA} and {@code pong:DATA} send that frame.
 */
public class CoreEndpoint implements FrameHandler
{
    public final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    public final BlockingQueue<String> pings = new LinkedBlockingQueue<>();
    public final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
    /** The close frame received ("code reason"), or how the session ended without one. */
    public final CompletableFuture<String> closed = new CompletableFuture<>();
    public volatile boolean answerPings = true;
    private final boolean echo;
    private final StringBuilder text = new StringBuilder();
    private volatile CoreSession session;

    public CoreEndpoint(boolean echo)
    {
        this.echo = echo;
    }

    public CoreSession session()
    {
        return session;
    }

    public void send(Frame frame) throws Exception
    {
        Callback.Completable sent = new Callback.Completable();
        session.sendFrame(frame, sent, false);
        sent.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Starts the close handshake without waiting for the close frame's write: Jetty's client fails that write with
     * ClosedChannelException when the peer's reply arrives (and closes the connection) before its writer thread has
     * marked the write done. Callers check {@link #closed} for the reply instead.
     */
    public void startClose(int code, String reason)
    {
        session.close(code, reason, Callback.NOOP);
    }

    @Override
    public void onOpen(CoreSession coreSession, Callback callback)
    {
        session = coreSession;
        callback.succeeded();
        coreSession.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback)
    {
        Callback next = Callback.from(() ->
        {
            callback.succeeded();
            session.demand();
        }, callback::failed);
        switch (frame.getOpCode())
        {
            case OpCode.PING ->
            {
                pings.add(string(frame));
                // A ping that crosses this endpoint's own close cannot be answered: not an error of the session.
                if (answerPings && session.isOutputOpen())
                    session.sendFrame(new Frame(OpCode.PONG, BufferUtil.copy(frame.getPayload())), Callback.from(next::succeeded, x -> next.succeeded()), false);
                else
                    next.succeeded();
            }
            case OpCode.PONG ->
            {
                pongs.add(string(frame));
                next.succeeded();
            }
            case OpCode.CLOSE ->
            {
                CloseStatus close = CloseStatus.getCloseStatus(frame);
                closed.complete(close.getCode() + " " + close.getReason());
                callback.succeeded();
            }
            default -> data(frame, next);
        }
    }

    private void data(Frame frame, Callback next)
    {
        if (frame.getOpCode() == OpCode.TEXT || (frame.getOpCode() == OpCode.CONTINUATION && !text.isEmpty()))
            text.append(string(frame));
        String command = null;
        if (frame.isFin() && !text.isEmpty())
        {
            command = text.toString();
            texts.add(command);
            text.setLength(0);
        }
        if (echo && command != null && (command.startsWith("ping:") || command.startsWith("pong:")))
        {
            byte opCode = command.startsWith("ping:") ? OpCode.PING : OpCode.PONG;
            session.sendFrame(new Frame(opCode, command.substring(5)), next, false);
            return;
        }
        if (echo)
            session.sendFrame(new Frame(frame.getOpCode(), frame.isFin(), BufferUtil.copy(frame.getPayload())), next, false);
        else
            next.succeeded();
    }

    private static String string(Frame frame)
    {
        ByteBuffer payload = frame.getPayload();
        return payload == null ? "" : StandardCharsets.UTF_8.decode(payload.duplicate()).toString();
    }

    @Override
    public void onError(Throwable cause, Callback callback)
    {
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback)
    {
        closed.complete(closeStatus.getCode() + " " + closeStatus.getReason());
        callback.succeeded();
    }
}
