package org.wsproxy.relay;

import java.time.Duration;

import org.eclipse.jetty.websocket.core.Configuration;

/**
 * The per-hop settings of a route's relays, applied to each hop's session before its connection exists
 * (websocket-core sizes the connection's buffers when it makes it).
 * <p>Frames are relayed as they arrive, never assembled into messages, so the message size limit (the
 * route's {@link RelayPolicy}) is counted over frames, and memory is bounded per frame; a frame larger than {@code maxFrameSize}, or one that a read brings only part of, is relayed in
 * pieces (auto-fragment). The read buffer holds a whole {@code maxFrameSize} frame up to 64 KiB less its header: bigger
 * reads mean fewer pieces for bulk binary and more small frames per read for chatty traffic. It is taken
 * from the pool for a read and returned when the socket is drained, so an idle hop holds none.</p>
 *
 * @param idleTimeout a hop with no frame for this long is closed (and then the other hop)
 * @param maxFrameSize larger frames are relayed in pieces of this size
 * @param policy the route's limits and keepalive, shared by its relays
 */
public record RelaySettings(Duration idleTimeout, long maxFrameSize, RelayPolicy policy) implements Configuration.Customizer
{
    /** The largest WebSocket frame header: 2 bytes, an 8-byte length and a 4-byte mask. */
    private static final int MAX_HEADER = 14;
    /**
     * Above this, a bigger read saves little: moving the bytes then costs far more than the per-piece work. And no
     * more than Jetty's buffer pool holds (its largest bucket, {@code jetty.byteBufferPool.maxCapacity}, is 64 KiB by
     * default): a larger buffer is not pooled but allocated, direct and zeroed, for every read, two of them for each
     * handshake (each hop reads as it opens), and freed only by a GC.
     */
    private static final int MAX_READ_BUFFER = 64 * 1024;

    @Override
    public void customize(Configuration configuration)
    {
        configuration.setIdleTimeout(idleTimeout);
        configuration.setMaxFrameSize(maxFrameSize);
        configuration.setAutoFragment(true);
        configuration.setInputBufferSize(readBufferSize());
    }

    /** These settings as websocket-core's customizer object, which the client's upgrade request takes. */
    public Configuration.ConfigurationCustomizer asCustomizer()
    {
        Configuration.ConfigurationCustomizer customizer = new Configuration.ConfigurationCustomizer();
        customize(customizer);
        return customizer;
    }

    int readBufferSize()
    {
        return (int)Math.min(maxFrameSize + MAX_HEADER, MAX_READ_BUFFER);
    }
}
