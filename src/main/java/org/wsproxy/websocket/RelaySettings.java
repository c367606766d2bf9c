package org.wsproxy.websocket;

import java.time.Duration;

import org.eclipse.jetty.websocket.api.Session;

/**
 * The per-hop session settings of a route's relays, applied to both hops when the relay starts.
 * Message size limits are lifted because frames are relayed as they arrive, never assembled.
 * <p>The read buffer is sized by what flows: a frame is relayed in the pieces that one read brings
 * (auto-fragment), and each piece costs a write and a pass through Jetty's frame layers, so bulk binary
 * wants big reads (with Jetty's 4 KiB default a 1 MiB message took 256 pieces each way; with a buffer
 * that holds a whole {@code maxFrameSize} frame it takes 16). But Jetty also gives every text message an
 * accumulator of the read buffer's size, so text wants the small default. A hop starts small, goes
 * {@linkplain #bulk big} when a binary piece fills its buffer and back when text comes. Jetty takes the
 * buffer from its pool for a read and returns it when the socket is drained: an idle hop holds none.</p>
 *
 * @param idleTimeout a hop with no frame for this long is closed (and then the other hop)
 * @param maxFrameSize larger frames are read in pieces of this size
 */
record RelaySettings(Duration idleTimeout, long maxFrameSize)
{
    /** Jetty's default read buffer, and the size of the text accumulator it gives every text message. */
    static final int READ_BUFFER = 4096;
    /** The largest WebSocket frame header: 2 bytes, an 8-byte length and a 4-byte mask. */
    private static final int MAX_HEADER = 14;
    /** Above this, a bigger read saves little: moving the bytes then costs far more than the per-piece work. */
    private static final int MAX_BULK_READ_BUFFER = 64 * 1024 + MAX_HEADER;

    void configure(Session session)
    {
        session.setIdleTimeout(idleTimeout);
        session.setMaxFrameSize(maxFrameSize);
        session.setAutoFragment(true);
        session.setMaxTextMessageSize(Long.MAX_VALUE);
        session.setMaxBinaryMessageSize(Long.MAX_VALUE);
        session.setInputBufferSize(READ_BUFFER);
    }

    /** Whether a binary piece of this size filled a small read buffer, so binary is streaming in bulk. */
    static boolean fillsReadBuffer(int pieceSize)
    {
        return pieceSize >= READ_BUFFER - MAX_HEADER;
    }

    /** Big reads while binary streams in bulk (see above), small ones otherwise. */
    void bulk(Session session, boolean bulk)
    {
        session.setInputBufferSize(bulk ? (int)Math.min(maxFrameSize + MAX_HEADER, MAX_BULK_READ_BUFFER) : READ_BUFFER);
    }
}
