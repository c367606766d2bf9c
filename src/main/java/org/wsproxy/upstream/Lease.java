package org.wsproxy.upstream;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One session or request counted against an endpoint's load until {@link #release()}, which may be
 * called any number of times from any path (success, failure, client gone) and counts once.
 */
public final class Lease
{
    private final Endpoint endpoint;
    private final AtomicInteger counter;
    private final AtomicBoolean released = new AtomicBoolean();

    Lease(Endpoint endpoint, AtomicInteger counter)
    {
        this.endpoint = endpoint;
        this.counter = counter;
    }

    public Endpoint endpoint()
    {
        return endpoint;
    }

    public void release()
    {
        if (released.compareAndSet(false, true))
            counter.decrementAndGet();
    }

    @Override
    public String toString()
    {
        return "Lease[" + endpoint + (released.get() ? " released" : "") + "]";
    }
}
