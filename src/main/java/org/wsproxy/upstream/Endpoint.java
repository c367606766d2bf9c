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
    private final String stickyId;
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    // Passive health, written by the pool's OutlierDetector under this endpoint's monitor, read lock-free.
    int consecutiveFailures;
    int ejections;
    // Counted for metrics only, never read by a decision: ejections since start-up, active-check results.
    private final AtomicLong ejectionsTotal = new AtomicLong();
    private final AtomicLong checksPassed = new AtomicLong();
    private final AtomicLong checksFailed = new AtomicLong();
    // Monotonic time (nanoTime) until which this endpoint is ejected; 0 when it is not.
    private volatile long ejectedUntil;
    // Monotonic time (nanoTime) of the latest failure reported, ejected or not: orders the pool's last resort.
    private volatile long lastFailure;
    // Active health, written by the pool's HealthChecker: false once the probes failed `fall` times in a row.
    private volatile boolean up = true;
    // Monotonic time (nanoTime) at which this endpoint was marked up again or added at run time; 0 when neither.
    private volatile long returnedAt;
    private final HandshakeGate handshakes;

    Endpoint(URI uri)
    {
        this(uri, new HandshakeGate(0, 0));
    }

    Endpoint(URI uri, HandshakeGate handshakes)
    {
        this.uri = uri;
        this.key = uri.toString();
        this.stickyId = StickyCookie.id(key);
        this.handshakes = handshakes;
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

    /** The opaque id naming this endpoint in sticky cookies. */
    String stickyId()
    {
        return stickyId;
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

    /** Healthy now: not ejected by passive health and not marked down by active health checks. */
    boolean isHealthy(long now)
    {
        return up && !isEjected(now);
    }

    boolean isEjected(long now)
    {
        long until = ejectedUntil;
        return until != 0 && now - until < 0;
    }

    /** Nanoseconds until the current ejection ends, 0 when not ejected. */
    long ejectionLeft(long now)
    {
        long until = ejectedUntil;
        return until == 0 ? 0 : Math.max(0, until - now);
    }

    void ejectUntil(long until)
    {
        ejectedUntil = until;
        ejectionsTotal.incrementAndGet();
    }

    void countCheck(boolean passed)
    {
        (passed ? checksPassed : checksFailed).incrementAndGet();
    }

    /** Ejections by passive health since start-up. */
    public long ejectionsTotal()
    {
        return ejectionsTotal.get();
    }

    /** Active health-check probes that passed since start-up. */
    public long checksPassed()
    {
        return checksPassed.get();
    }

    /** Active health-check probes that failed since start-up. */
    public long checksFailed()
    {
        return checksFailed.get();
    }

    void countFailure(long now)
    {
        failures.incrementAndGet();
        lastFailure = now;
    }

    /** Monotonic time (nanoTime) of the latest failure reported; meaningful only once one was. */
    long lastFailure()
    {
        return lastFailure;
    }

    /** Whether active health checks consider this endpoint up (true when the pool has none). */
    public boolean isUp()
    {
        return up;
    }

    void setUp(boolean up)
    {
        this.up = up;
    }

    /** It came back (marked up again) or joined the pool at run time at {@code now}: its slow start begins. */
    void returned(long now)
    {
        // 0 means "never"; a clock that reads exactly 0 is moved by a nanosecond.
        returnedAt = now == 0 ? 1 : now;
    }

    /**
     * When this endpoint last became eligible after being out: the later of its latest return ({@link #returned})
     * and the end of its latest ejection; 0 when it never was out (then there is no slow start, as in HAProxy,
     * whose slowstart never applies at start-up).
     */
    long rampSince()
    {
        long returned = returnedAt;
        long ejection = ejectedUntil;
        if (returned == 0)
            return ejection;
        if (ejection == 0)
            return returned;
        return ejection - returned > 0 ? ejection : returned;
    }

    /** The cap on this endpoint's WebSocket handshakes in progress, with its queue and counters. */
    public HandshakeGate handshakes()
    {
        return handshakes;
    }

    /** Whether passive health has this endpoint ejected right now. */
    public boolean isEjected()
    {
        return isEjected(System.nanoTime());
    }

    @Override
    public String toString()
    {
        return key;
    }

    /** The state for logs and dumps: URL, load, health. */
    public String describe()
    {
        return key + "[sessions=" + sessions() + " requests=" + requests() + (up ? "" : " DOWN") + (isEjected() ? " EJECTED" : "") + "]";
    }
}
