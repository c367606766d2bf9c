package org.wsproxy.drain;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether this proxy instance is draining: once it is, new WebSocket upgrades and HTTP requests on the routes
 * are answered 503 and the readiness path 503, while live sessions and requests in flight go on. One-way: an
 * instance drains before it stops, or until it is redeployed. The filter, the HTTP servlet and the readiness
 * path read it; {@code boot} sets it.
 */
public final class Draining
{
    /** The servlet-context attribute under which the filter and the servlets find it. */
    public static final String ATTRIBUTE = Draining.class.getName();

    private final AtomicReference<String> why = new AtomicReference<>();
    private final AtomicLong requests = new AtomicLong();

    public boolean isDraining()
    {
        return why.get() != null;
    }

    /**
     * @param why what started it, for the log and the admin endpoint
     * @return true for the call that started the drain, false when it had started already
     */
    public boolean begin(String why)
    {
        return this.why.compareAndSet(null, why);
    }

    /** @return what started the drain, or null when the instance is not draining */
    public String why()
    {
        return why.get();
    }

    /** A plain HTTP request began (counted so a drain can wait for those in flight). */
    public void requestStarted()
    {
        requests.incrementAndGet();
    }

    /** A plain HTTP request ended, answered or not. */
    public void requestEnded()
    {
        requests.decrementAndGet();
    }

    /** Plain HTTP requests in flight: begun and not ended. */
    public long requestsInFlight()
    {
        return requests.get();
    }

    @Override
    public String toString()
    {
        String reason = why.get();
        return "Draining[" + (reason == null ? "no" : reason) + "]";
    }
}
