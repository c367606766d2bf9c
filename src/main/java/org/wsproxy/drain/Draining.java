package org.wsproxy.drain;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether this proxy instance is draining: once it is, the readiness path answers 503 at once; for the drain's
 * notice ({@code wsproxy.drainNotice}) new WebSocket upgrades and HTTP requests on the routes are still served
 * (HTTP answers with {@code Connection: close}, so a kept-alive client comes back through the balancer, which by
 * then sends it elsewhere); after it they are answered 503. Live sessions and requests in flight go on. One-way:
 * an instance drains before it stops, or until it is redeployed. The filter, the HTTP servlet and the readiness
 * path read it; {@code boot} sets it.
 */
public final class Draining
{
    /** The servlet-context attribute under which the filter and the servlets find it. */
    public static final String ATTRIBUTE = Draining.class.getName();

    private final long noticeNanos;
    private final AtomicReference<String> why = new AtomicReference<>();
    private final AtomicLong requests = new AtomicLong();
    private volatile long beganNanos;

    /** A drain that refuses new requests and upgrades as soon as it begins. */
    public Draining()
    {
        this(Duration.ZERO);
    }

    /**
     * @param notice how long after the drain begins new requests and upgrades are still served, for the load
     * balancer in front to see the readiness path's 503 and stop sending here
     */
    public Draining(Duration notice)
    {
        this.noticeNanos = notice.toNanos();
    }

    public boolean isDraining()
    {
        return why.get() != null;
    }

    /**
     * Whether a new HTTP request or upgrade gets 503: the instance drains and the notice is over. Before that,
     * while it drains, HTTP responses carry {@code Connection: close}.
     */
    public boolean refusesNew()
    {
        return isDraining() && System.nanoTime() - beganNanos >= noticeNanos;
    }

    /**
     * @param why what started it, for the log and the admin endpoint
     * @return true for the call that started the drain, false when it had started already
     */
    public synchronized boolean begin(String why)
    {
        if (this.why.get() != null)
            return false;
        // Written before the drain is visible: whoever sees it draining sees when it began.
        beganNanos = System.nanoTime();
        this.why.set(why);
        return true;
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
