package org.wsproxy.tomcat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * The client's end of a relay on Tomcat, as a Jakarta WebSocket endpoint: what the client sends becomes websocket-core
 * frames for the relay's client side ({@link ClientHopSession#deliver}), the same frames Jetty would have given it.
 * <p>The API delivers message parts, not frames: a part is relayed as one frame (so the backend may see a client's
 * message cut where Tomcat's read buffer ended rather than where the client's frames did), text as its UTF-8 bytes.
 * Pings from the client are answered by Tomcat and never reach here; pongs do. The client's close frame is answered
 * by Tomcat with the same code before {@link #onClose} runs, so the relay cannot hold that answer until the backend's
 * (on Jetty the client gets the backend's code back).</p>
 */
final class ClientHopEndpoint extends Endpoint
{
    private final FrameHandler side;
    private final ClientHopSession hop;
    private final AtomicBoolean ended = new AtomicBoolean();
    // Parts of the message being read, on Tomcat's reading thread only.
    private boolean inText;
    private boolean inBinary;
    // A text part that ended with the first half of a surrogate pair: the half waits for the next part.
    private char heldHighSurrogate;

    ClientHopEndpoint(FrameHandler side, ClientHopSession hop)
    {
        this.side = side;
        this.hop = hop;
    }

    @Override
    public void onOpen(Session session, EndpointConfig config)
    {
        hop.opened(session);
        // Parts, never whole messages: memory is bounded by a part, whatever the message's size.
        session.addMessageHandler(String.class, (MessageHandler.Partial<String>)this::onText);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Partial<ByteBuffer>)this::onBinary);
        session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>)this::onPong);
        // The relay starts here: it reads the backend and asks this hop for the client's first frame.
        side.onOpen(hop, Callback.NOOP);
    }

    private void onText(String part, boolean last)
    {
        String text = part;
        if (heldHighSurrogate != 0)
        {
            text = heldHighSurrogate + text;
            heldHighSurrogate = 0;
        }
        if (!last && !text.isEmpty() && Character.isHighSurrogate(text.charAt(text.length() - 1)))
        {
            heldHighSurrogate = text.charAt(text.length() - 1);
            text = text.substring(0, text.length() - 1);
        }
        byte opCode = inText ? OpCode.CONTINUATION : OpCode.TEXT;
        inText = !last;
        hop.deliver(new Frame(opCode, last, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))));
    }

    private void onBinary(ByteBuffer part, boolean last)
    {
        byte opCode = inBinary ? OpCode.CONTINUATION : OpCode.BINARY;
        inBinary = !last;
        // Tomcat reuses its buffer once this returns; the relay writes the frame later.
        hop.deliver(new Frame(opCode, last, copy(part)));
    }

    private void onPong(PongMessage pong)
    {
        hop.deliver(new Frame(OpCode.PONG, copy(pong.getApplicationData())));
    }

    private static ByteBuffer copy(ByteBuffer buffer)
    {
        ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
        copy.put(buffer.slice()).flip();
        return copy;
    }

    @Override
    public void onError(Session session, Throwable cause)
    {
        // Tomcat follows an error with onClose; the relay remembers the cause to explain the end to the backend.
        side.onError(cause, Callback.NOOP);
    }

    @Override
    public void onClose(Session session, CloseReason closeReason)
    {
        if (!ended.compareAndSet(false, true))
            return;
        hop.ended();
        int code = closeReason.getCloseCode().getCode();
        String reason = closeReason.getReasonPhrase();
        // 1006 is Tomcat's word for a connection that went without a close frame: the relay then chooses the backend's code.
        if (code != CloseStatus.NO_CLOSE)
            side.onFrame(CloseStatus.toFrame(code, reason), Callback.NOOP);
        side.onClosed(new CloseStatus(code, reason), Callback.NOOP);
    }
}
