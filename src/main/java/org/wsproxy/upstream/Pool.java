package org.wsproxy.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.eclipse.jetty.util.thread.AutoLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.BackendConfig;
import org.wsproxy.config.PassiveHealthConfig;
import org.wsproxy.config.StormConfig;

/**
 * A pool of interchangeable endpoints (Envoy's cluster): "pick one for this request" and "this is how
 * it went". Selection reads an immutable {@link Snapshot} (members and prepared selectors) that a
 * reconfiguration replaces in one atomic swap, so a pick never locks against a change and never sees
 * half of one. Endpoints are kept across snapshots by URL, with their counters and health.
 * <p>
 * Slow start (HAProxy's {@code slowstart}): a backend that came back (its ejection over, marked up by health
 * checks, or added at run time) has its weight ramped linearly from near 0 to its configured weight over
 * {@code slowStart}, so that clients reconnecting after an outage do not all land on it at once. Nothing is
 * scheduled: each pick computes the weights of that moment from when each backend came back, so the snapshot
 * stays immutable. How each balancer uses the ramped weight is said on {@link LoadBalancer}'s implementations.
 */
public final class Pool
{
    private static final Logger LOG = LoggerFactory.getLogger(Pool.class);

    private final String name;
    private final LoadBalancer balancer;
    private final PassiveHealthConfig passive;
    private final OutlierDetector outliers;
    private final StickyCookie sticky;
    private final StormConfig storm;
    private final long slowStartNanos;
    private final AutoLock updates = new AutoLock();
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
    private final List<Consumer<Endpoint>> downListeners = new CopyOnWriteArrayList<>();
    // Whether the pool has chosen for a request yet: backends added before (the pools file read at start-up) start
    // at full weight with the others, as those of the configuration do.
    private volatile boolean serving;

    public Pool(String name, List<BackendConfig> backends, LoadBalancer balancer, PassiveHealthConfig passive)
    {
        this(name, backends, balancer, passive, null);
    }

    /** @param sticky the pool's sticky cookie, or null for none */
    public Pool(String name, List<BackendConfig> backends, LoadBalancer balancer, PassiveHealthConfig passive, StickyCookie sticky)
    {
        this(name, backends, balancer, passive, sticky, StormConfig.OFF);
    }

    /**
     * @param sticky the pool's sticky cookie, or null for none
     * @param storm slow start, and the cap on handshakes each endpoint's {@link Endpoint#handshakes() gate} applies
     */
    public Pool(String name, List<BackendConfig> backends, LoadBalancer balancer, PassiveHealthConfig passive, StickyCookie sticky, StormConfig storm)
    {
        this.name = name;
        this.sticky = sticky;
        this.storm = storm;
        this.slowStartNanos = storm.slowStart().toNanos();
        this.balancer = balancer;
        this.passive = passive;
        this.outliers = new OutlierDetector(name, passive);
        update(backends);
    }

    public String name()
    {
        return name;
    }

    public LoadBalancer balancer()
    {
        return balancer;
    }

    public Snapshot snapshot()
    {
        return snapshot.get();
    }

    /** The endpoints of the current snapshot, in configured order. */
    public List<Endpoint> endpoints()
    {
        return snapshot.get().members().stream().map(Member::endpoint).toList();
    }

    /**
     * Replaces the members at once: backends already present keep their endpoint (counters, health and live
     * sessions untouched) and take the new weight, backup and drain settings; new ones get a fresh endpoint;
     * removed ones leave the snapshot, while their live sessions go on until they end. New ones slow-start once
     * the pool has served a request (not those the pools file adds at start-up).
     */
    public void update(List<BackendConfig> backends)
    {
        update(backends, System.nanoTime());
    }

    void update(List<BackendConfig> backends, long now)
    {
        if (backends.isEmpty())
            throw new IllegalArgumentException("A pool needs at least one backend: " + name);
        try (AutoLock ignored = updates.lock())
        {
            Snapshot old = snapshot.get();
            Map<URI, Endpoint> existing = new HashMap<>();
            if (old != null)
                old.members().forEach(m -> existing.put(m.endpoint().uri(), m.endpoint()));
            List<Member> members = new ArrayList<>(backends.size());
            for (BackendConfig backend : backends)
            {
                Endpoint endpoint = existing.get(backend.uri());
                if (endpoint == null)
                {
                    endpoint = new Endpoint(backend.uri(), new HandshakeGate(storm.maxHandshakes(), storm.handshakeQueue()));
                    // Added while the pool serves: it slow-starts. Those of the start-up start at full weight.
                    if (serving)
                        endpoint.returned(now);
                }
                members.add(new Member(endpoint, backend.weight(), backend.backup(), backend.drain()));
            }
            snapshot.set(new Snapshot(old == null ? 1 : old.version() + 1, members, balancer));
        }
    }

    /**
     * @param key what the request offers to hash on
     * @param tried endpoints already tried for this request (may be empty)
     * @return an eligible endpoint (healthy, not draining, not tried): a primary if any is eligible, else a
     * backup; when every backend that is neither draining nor down is ejected by passive health, the least
     * recently failed of them not tried yet (see {@link Snapshot#lastResort}); null when there is none, which
     * the caller answers with 503 and {@link #retryAfter()} (or, after a try, with that try's failure)
     */
    public Endpoint pick(RequestKey key, Collection<Endpoint> tried)
    {
        return pick(key, tried, System.nanoTime());
    }

    /** {@link #pick(RequestKey, Collection)} at a given monotonic time, for tests on a made-up clock. */
    Endpoint pick(RequestKey key, Collection<Endpoint> tried, long now)
    {
        if (!serving)
            serving = true;
        Snapshot current = snapshot.get();
        if (sticky != null)
        {
            // A valid cookie wins over balancing, even for a draining backend (its sessions are meant to finish
            // there); not for one that is unhealthy or was already tried: then it is balanced, and re-stuck.
            String value = key.cookie(sticky.name());
            Member member = value == null ? null : sticky.find(current, value);
            if (member != null && !tried.contains(member.endpoint()) && member.endpoint().isHealthy(now))
                return member.endpoint();
        }
        LoadBalancer.Weights weights = slowStartNanos == 0 ? LoadBalancer.Weights.CONFIGURED : m -> weight(m, now);
        Endpoint endpoint = current.select(key, m -> !m.drain() && !tried.contains(m.endpoint()) && m.endpoint().isHealthy(now), weights);
        if (endpoint == null)
        {
            endpoint = current.lastResort(tried, now);
            if (endpoint != null && LOG.isDebugEnabled())
                LOG.debug("pool {}: every backend is ejected, trying the least recently failed: {}", name, endpoint);
        }
        return endpoint;
    }

    /**
     * A member's weight at {@code now} in units of 1/{@link LoadBalancer.Weights#SCALE}: the configured weight,
     * or while it slow-starts that times the fraction of {@code slowStart} gone since it came back, at least 1.
     */
    long weight(Member member, long now)
    {
        long full = member.weight() * LoadBalancer.Weights.SCALE;
        long since = member.endpoint().rampSince();
        if (slowStartNanos == 0 || since == 0)
            return full;
        long elapsed = now - since;
        if (elapsed >= slowStartNanos)
            return full;
        if (elapsed <= 0)
            return 1;
        return Math.max(1, (long)(full * ((double)elapsed / slowStartNanos)));
    }

    public StormConfig storm()
    {
        return storm;
    }

    /**
     * @return the Set-Cookie header value that sticks the client to {@code chosen}, or null when the pool has
     * no sticky cookie or the request already carries the right one
     */
    public String stickyCookie(RequestKey key, Endpoint chosen, String path, boolean secure)
    {
        if (sticky == null)
            return null;
        if (sticky.value(chosen).equals(key.cookie(sticky.name())))
            return null;
        return sticky.setCookie(chosen, path, secure);
    }

    /** The data path reports a failed connect or handshake (refused, reset, timed out, 502-504): passive health decides. */
    public void reportFailure(Endpoint endpoint)
    {
        reportFailure(endpoint, System.nanoTime());
    }

    void reportFailure(Endpoint endpoint, long now)
    {
        outliers.failure(endpoint, now);
    }

    /** The data path reports that the endpoint answered (a 101, or any HTTP response). */
    public void reportSuccess(Endpoint endpoint)
    {
        outliers.success(endpoint);
    }

    /** Active health: the endpoint takes no new sessions until {@link #markUp}; listeners hear of it. */
    public void markDown(Endpoint endpoint, String why)
    {
        endpoint.setUp(false);
        LOG.info("pool {}: {} marked down: {}", name, endpoint, why);
        for (Consumer<Endpoint> listener : downListeners)
        {
            try
            {
                listener.accept(endpoint);
            }
            catch (Throwable x)
            {
                LOG.warn("pool {}: a listener failed on {} down", name, endpoint, x);
            }
        }
    }

    /** Active health: the endpoint takes new sessions again (unless ejected or draining), slow-starting. */
    public void markUp(Endpoint endpoint, String why)
    {
        markUp(endpoint, why, System.nanoTime());
    }

    void markUp(Endpoint endpoint, String why, long now)
    {
        endpoint.returned(now);
        endpoint.setUp(true);
        LOG.info("pool {}: {} marked up: {}{}", name, endpoint, why, slowStartNanos == 0 ? "" : ", slow start over " + storm.slowStart());
    }

    /** Called with each endpoint that active health checks mark down, on the checker's thread. */
    public void onDown(Consumer<Endpoint> listener)
    {
        downListeners.add(listener);
    }

    /**
     * When to try again after nothing was eligible, for a 503's Retry-After: the time until the first
     * ejection ends, rounded up to whole seconds; the fail timeout when no backend is ejected (down or draining).
     */
    public Duration retryAfter()
    {
        long now = System.nanoTime();
        long least = Long.MAX_VALUE;
        for (Member member : snapshot.get().members())
        {
            long left = member.endpoint().ejectionLeft(now);
            if (!member.drain() && member.endpoint().isUp() && left > 0)
                least = Math.min(least, left);
        }
        Duration wait = least == Long.MAX_VALUE ? passive.failTimeout() : Duration.ofNanos(least);
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return Duration.ofSeconds(seconds);
    }

    @Override
    public String toString()
    {
        return "Pool[" + name + " " + balancer.name() + " " + snapshot.get() + "]";
    }

    /** One configuration of the pool: members in configured order and the selectors prepared for them. Immutable. */
    public static final class Snapshot
    {
        private final long version;
        private final List<Member> members;
        private final LoadBalancer.Selector primaries;
        private final LoadBalancer.Selector backups;

        Snapshot(long version, List<Member> members, LoadBalancer balancer)
        {
            this.version = version;
            this.members = List.copyOf(members);
            List<Member> primary = members.stream().filter(m -> !m.backup()).toList();
            List<Member> backup = members.stream().filter(Member::backup).toList();
            this.primaries = primary.isEmpty() ? null : balancer.prepare(primary);
            this.backups = backup.isEmpty() ? null : balancer.prepare(backup);
        }

        public long version()
        {
            return version;
        }

        public List<Member> members()
        {
            return members;
        }

        /** Backups only when no primary is eligible. */
        Endpoint select(RequestKey key, Predicate<Member> eligible, LoadBalancer.Weights weights)
        {
            Endpoint endpoint = primaries == null ? null : primaries.select(key, eligible, weights);
            if (endpoint == null && backups != null)
                endpoint = backups.select(key, eligible, weights);
            return endpoint;
        }

        /**
         * Envoy's panic mode, narrowed to passive health (nginx never takes the only server of a group out):
         * when every member that is neither draining nor marked down by active checks is ejected, ejections
         * are only a guess from past failures and a 503 would contact no backend at all, so the one that failed
         * least recently is tried, primary or backup, skipping those this request tried. Draining and down
         * members are an operator's or a probe's word and stay out.
         *
         * @return the least recently failed ejected member not in {@code tried}, or null when some member is
         * healthy (merely tried by this request) or none is left
         */
        Endpoint lastResort(Collection<Endpoint> tried, long now)
        {
            Endpoint oldest = null;
            for (Member member : members)
            {
                Endpoint endpoint = member.endpoint();
                if (member.drain() || !endpoint.isUp())
                    continue;
                if (!endpoint.isEjected(now))
                    return null;
                if (tried.contains(endpoint))
                    continue;
                if (oldest == null || endpoint.lastFailure() - oldest.lastFailure() < 0)
                    oldest = endpoint;
            }
            return oldest;
        }

        @Override
        public String toString()
        {
            return "v" + version + " " + members.stream().map(m -> m.endpoint() + (m.weight() != 1 ? " weight=" + m.weight() : "") +
                (m.backup() ? " backup" : "") + (m.drain() ? " drain" : "")).toList();
        }
    }
}
