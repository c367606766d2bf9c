package org.wsproxy.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.eclipse.jetty.util.thread.AutoLock;
import org.wsproxy.config.BackendConfig;

/**
 * A pool of interchangeable endpoints (Envoy's cluster): "pick one for this request" and "this is how
 * it went". Selection reads an immutable {@link Snapshot} (members and prepared selectors) that a
 * reconfiguration replaces in one atomic swap, so a pick never locks against a change and never sees
 * half of one. Endpoints are kept across snapshots by URL, with their counters and health.
 */
public final class Pool
{
    private final String name;
    private final LoadBalancer balancer;
    private final long backoffNanos;
    private final AutoLock updates = new AutoLock();
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();

    public Pool(String name, List<BackendConfig> backends, LoadBalancer balancer, Duration backoff)
    {
        this.name = name;
        this.balancer = balancer;
        this.backoffNanos = backoff.toNanos();
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
     * removed ones leave the snapshot, while their live sessions go on until they end.
     */
    public void update(List<BackendConfig> backends)
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
                    endpoint = new Endpoint(backend.uri());
                members.add(new Member(endpoint, backend.weight(), backend.backup(), backend.drain()));
            }
            snapshot.set(new Snapshot(old == null ? 1 : old.version() + 1, members, balancer));
        }
    }

    /**
     * @param key what the request offers to hash on
     * @param tried endpoints already tried for this request (may be empty)
     * @return an eligible endpoint: a primary if any is eligible, else a backup; null when nothing is left to try
     */
    public Endpoint pick(RequestKey key, Collection<Endpoint> tried)
    {
        Snapshot current = snapshot.get();
        long now = System.nanoTime();
        Predicate<Member> untried = m -> !tried.contains(m.endpoint());
        Predicate<Member> eligible = untried.and(m -> !m.drain() && m.endpoint().isAvailable(now));
        Endpoint endpoint = current.select(key, eligible);
        if (endpoint == null)
        {
            // Every endpoint failed recently: try them anyway rather than fail for certain.
            endpoint = current.select(key, untried.and(m -> !m.drain()));
        }
        return endpoint;
    }

    /** The data path reports a connect or handshake failure to this endpoint. */
    public void reportFailure(Endpoint endpoint)
    {
        endpoint.failed(System.nanoTime(), backoffNanos);
    }

    /** The data path reports a successful connect to this endpoint. */
    public void reportSuccess(Endpoint endpoint)
    {
        endpoint.succeeded();
    }

    /** How many tries one request may make: each endpoint once. */
    public int maxAttempts()
    {
        return snapshot.get().members().size();
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
        Endpoint select(RequestKey key, Predicate<Member> eligible)
        {
            Endpoint endpoint = primaries == null ? null : primaries.select(key, eligible);
            if (endpoint == null && backups != null)
                endpoint = backups.select(key, eligible);
            return endpoint;
        }

        @Override
        public String toString()
        {
            return "v" + version + " " + members.stream().map(m -> m.endpoint() + (m.weight() != 1 ? " weight=" + m.weight() : "") +
                (m.backup() ? " backup" : "") + (m.drain() ? " drain" : "")).toList();
        }
    }
}
