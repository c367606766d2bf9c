package org.wsproxy.relay;

import java.time.Duration;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A hop's read buffer comes from Jetty's buffer pool and goes back to it. With a size above the pool's largest bucket
 * (jetty-home's default, 64 KiB), every read got a buffer allocated for it, direct and zeroed, freed only by a GC:
 * two per handshake, as each hop reads as it opens.
 */
class RelaySettingsTest
{
    @Test
    void theLargestReadBufferIsPooledByJettysDefaultPool()
    {
        // jetty-home's etc/jetty-bytebufferpool.xml: minCapacity 0, factor 4096, maxCapacity 65536.
        ArrayByteBufferPool pool = new ArrayByteBufferPool(0, 4096, 65536);
        int size = new RelaySettings(Duration.ofMinutes(1), 16L * 1024 * 1024, null).readBufferSize();

        RetainableByteBuffer buffer = pool.acquire(size, true);
        buffer.release();

        assertEquals(1, pool.getAvailableDirectByteBufferCount(), "a released read buffer of " + size + " bytes is kept for the next read");
    }
}
