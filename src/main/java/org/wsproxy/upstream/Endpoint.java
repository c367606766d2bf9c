package org.wsproxy.upstream;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One backend, identified by its base URL, with what the data path reports about it (live WebSocket
 * sessions, in-flight HTTP requests, outcomes) and the health state the control path keeps. An endpoint
 * outlives pool reconfigurations: a backend that stays in the pool keeps its object, so its counters and
 * live sessions are unaffected by a change of weight, drain or of the other backends. Read lock-free.
 */
public final class Endpoint
{
    private final URI uri;
    private final String key;
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    // Monotonic time (nanoTime) before which this endpoint is skipped; 0 when it is available.
    private final AtomicLong skipUntil = new AtomicLong();

    Endpoint(URI uri)
    {
        this.uri = uri;
        this.key = uri.toString();
    }

    public URI uri()
    {
        return uri;
    }

    /** The endpoint's identity for hashing and stickiness: its configured URL, the same on every proxy instance. */
    public String key()
    {
        return key;
    }

    /** Live WebSocket sessions, counting handshakes in progress. */
    public int sessions()
    {
        return sessions.get();
    }

    /** HTTP requests in flight. */
    public int requests()
    {
        return requests.get();
    }

    /** What least-connections compares: live sessions plus in-flight requests. */
    public int load()
    {
        return sessions.get() + requests.get();
    }

    /** Sessions and requests started here since start-up. */
    public long served()
    {
        return served.get();
    }

    /** Failed connects or handshakes reported since start-up. */
    public long failures()
    {
        return failures.get();
    }

    /** The data path starts a WebSocket session (from the handshake on) or an HTTP request here; release the lease when it ends. */
    public Lease lease(boolean session)
    {
        AtomicInteger counter = session ? sessions : requests;
        counter.incrementAndGet();
        served.incrementAndGet();
        return new Lease(this, counter);
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

    @Override
    public String toString()
    {
        return key;
    }
}
