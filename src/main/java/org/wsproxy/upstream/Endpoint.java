package org.wsproxy.upstream;

import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One backend of an upstream: its base URL plus the little passive health state that round-robin
 * with skip-on-failure needs. Outcomes are reported by the data path; state is read lock-free.
 */
public final class Endpoint
{
    private final URI uri;
    // Monotonic time (nanoTime) before which this endpoint is skipped; 0 when it is available.
    private final AtomicLong skipUntil = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    Endpoint(URI uri)
    {
        this.uri = uri;
    }

    public URI uri()
    {
        return uri;
    }

    boolean isAvailable(long now)
    {
        long until = skipUntil.get();
        return until == 0 || now - until >= 0;
    }

    void failed(long now, long backoffNanos)
    {
        failures.incrementAndGet();
        skipUntil.set(now + backoffNanos);
    }

    void succeeded()
    {
        skipUntil.set(0);
    }

    public long failures()
    {
        return failures.get();
    }

    @Override
    public String toString()
    {
        return uri.toString();
    }
}
