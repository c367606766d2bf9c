package org.wsproxy.relay;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketConnection;
import org.eclipse.jetty.websocket.core.internal.FrameFlusher;
import org.eclipse.jetty.websocket.core.internal.Generator;
import org.eclipse.jetty.websocket.core.internal.Parser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client data frames relayed still masked, as the client masked them, the way nginx and HAProxy pass them on.
 * <p>websocket-core unmasks every frame it parses (in place, as {@code Frame.Parsed} is made) and, on a client
 * session, masks every frame it sends with a fresh key, into a new buffer: for the relay, two passes over every
 * payload byte the client sends that only cancel out (the profile's largest item for small messages). Here the
 * client hop parses data frames into {@link MaskedFrame}s, which keep the client's key and masked bytes, and the
 * backend hop's generator writes such a frame's header with the client's key and its payload as it is: the
 * backend unmasks it with that key. RFC 6455 asks a client for an unpredictable key per frame; this one is the
 * client's, chosen for that frame. Control frames (a ping's or a close's few bytes, which the relay or
 * the keepalive reads) are unmasked as usual.</p>
 * <p>websocket-core has no hook for either: its connection makes its {@link Parser} and its flusher's
 * {@link Generator} itself, in private final fields. Both are replaced by reflection, once per connection before
 * its first frame; the fields are looked up once. When a Jetty lacks them, nothing is replaced and frames are
 * unmasked and masked again as before ({@link #AVAILABLE}); the same fields exist in Jetty 12.0.30 and 12.1.12.</p>
 */
final class MaskedPayloads
{
    private static final Logger LOG = LoggerFactory.getLogger(MaskedPayloads.class);
    private static final Field PARSER = field(WebSocketConnection.class, "parser");
    private static final Field FLUSHER = field(WebSocketConnection.class, "flusher");
    private static final Field GENERATOR = field(FrameFlusher.class, "_generator");
    /** Whether this Jetty's websocket-core has the fields: if not, the relay unmasks and masks as websocket-core does. */
    static final boolean AVAILABLE = PARSER != null && FLUSHER != null && GENERATOR != null;

    static
    {
        if (!AVAILABLE)
            LOG.info("wsproxy: this Jetty's websocket-core cannot relay client frames still masked; they are unmasked and masked again");
    }

    private MaskedPayloads()
    {
    }

    /** Makes the client hop's connection parse data frames into {@link MaskedFrame}s; false if it cannot. */
    static boolean parseMasked(WebSocketConnection connection, ByteBufferPool bufferPool, Configuration configuration)
    {
        return AVAILABLE && set(PARSER, connection, new MaskedParser(bufferPool, configuration));
    }

    /** Makes the backend hop's connection write {@link MaskedFrame}s as they are; false if it cannot. */
    static boolean writeMasked(WebSocketConnection connection)
    {
        if (!AVAILABLE)
            return false;
        try
        {
            return set(GENERATOR, FLUSHER.get(connection), new MaskedGenerator());
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            LOG.debug("cannot replace the generator of {}", connection, x);
            return false;
        }
    }

    private static boolean set(Field field, Object target, Object value)
    {
        try
        {
            field.set(target, value);
            return true;
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            LOG.debug("cannot set {} of {}", field, target, x);
            return false;
        }
    }

    private static Field field(Class<?> type, String name)
    {
        try
        {
            Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            LOG.debug("no field {} in {}", name, type, x);
            return null;
        }
    }

    /** A client's data frame as it came: its key kept, its payload still masked with it. */
    static final class MaskedFrame extends Frame.Parsed
    {
        // Set by unmask(): from then on this is a frame like any other, which a client session masks afresh.
        private boolean unmasked;

        MaskedFrame(byte firstByte, byte[] mask, ByteBuffer payload, Runnable releaser)
        {
            super(firstByte, mask, payload, releaser);
        }

        /** Called by the constructor: the payload stays masked. */
        @Override
        public void demask()
        {
        }

        /** Unmasks the payload, for a hop that cannot write it masked. */
        void unmask()
        {
            super.demask();
            unmasked = true;
            super.setMask(null);
        }

        /** The sending client session's fresh key is not used: the payload is masked with the client's. */
        @Override
        public Frame setMask(byte[] maskingKey)
        {
            return unmasked ? super.setMask(maskingKey) : this;
        }
    }

    private static final class MaskedParser extends Parser
    {
        MaskedParser(ByteBufferPool bufferPool, Configuration configuration)
        {
            super(bufferPool, configuration);
        }

        @Override
        protected Frame.Parsed newFrame(byte firstByte, byte[] mask, ByteBuffer payload, Runnable releaser)
        {
            if (mask != null && payload != null && OpCode.isDataFrame((byte)(firstByte & 0x0F)))
                return new MaskedFrame(firstByte, mask, payload, releaser);
            return super.newFrame(firstByte, mask, payload, releaser);
        }
    }

    private static final class MaskedGenerator extends Generator
    {
        @Override
        public void generatePayload(Frame frame, ByteBuffer buffer)
        {
            if (!(frame instanceof MaskedFrame))
            {
                super.generatePayload(frame, buffer);
                return;
            }
            ByteBuffer payload = frame.getPayload();
            if (!BufferUtil.hasContent(payload))
                return;
            int position = BufferUtil.flipToFill(buffer);
            int length = payload.remaining();
            // An absolute copy: the frame's payload keeps its position, as when it is masked into the buffer.
            buffer.put(buffer.position(), payload, payload.position(), length);
            buffer.position(buffer.position() + length);
            BufferUtil.flipToFlush(buffer, position);
        }
    }
}
