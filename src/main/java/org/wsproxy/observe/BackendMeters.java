package org.wsproxy.observe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Member;
import org.wsproxy.upstream.Pool;
import org.wsproxy.upstream.Pools;

/**
 * The per-backend meters, read from the pools' snapshots and the endpoints' own counters. Backends come and go
 * at run time (pools file, admin endpoint, status page), so {@link #refresh} registers the meters of new ones and
 * removes those of backends no pool has any more. Also keeps each backend's last error, for the status page.
 */
final class BackendMeters
{
    static final List<String> STATES = List.of("up", "ejected", "down", "draining");

    private final MeterRegistry registry;
    private final Pools pools;
    private final Map<String, Registered> registered = new HashMap<>();
    private final Map<Endpoint, LastError> errors = new ConcurrentHashMap<>();

    /** What the page says of a backend's latest failure. */
    record LastError(String error, long epochMillis)
    {
    }

    /** One backend in one pool, with the member as of the latest refresh (weight, drain). */
    private static final class Registered
    {
        final List<Meter> meters = new ArrayList<>();
        volatile Member member;

        Registered(Member member)
        {
            this.member = member;
        }

        String state()
        {
            return state(member);
        }

        static String state(Member member)
        {
            Endpoint endpoint = member.endpoint();
            if (!endpoint.isUp())
                return "down";
            if (endpoint.isEjected())
                return "ejected";
            return member.drain() ? "draining" : "up";
        }
    }

    BackendMeters(MeterRegistry registry, Pools pools)
    {
        this.registry = registry;
        this.pools = pools;
    }

    /** The health state the page and the metrics show: down (active checks), ejected (passive), draining, or up. */
    static String state(Member member)
    {
        return Registered.state(member);
    }

    LastError lastError(Endpoint endpoint)
    {
        return errors.get(endpoint);
    }

    void error(Endpoint endpoint, String error)
    {
        if (endpoint != null)
            errors.put(endpoint, new LastError(error, System.currentTimeMillis()));
    }

    synchronized void refresh()
    {
        Set<String> current = new HashSet<>();
        Set<Endpoint> endpoints = new HashSet<>();
        for (Pool pool : pools.all())
        {
            for (Member member : pool.snapshot().members())
            {
                String key = pool.name() + '\u0000' + member.endpoint().key();
                current.add(key);
                endpoints.add(member.endpoint());
                Registered entry = registered.get(key);
                if (entry == null)
                    registered.put(key, register(pool.name(), member));
                else
                    entry.member = member;
            }
        }
        registered.entrySet().removeIf(entry ->
        {
            if (current.contains(entry.getKey()))
                return false;
            entry.getValue().meters.forEach(registry::remove);
            return true;
        });
        errors.keySet().retainAll(endpoints);
    }

    private Registered register(String pool, Member member)
    {
        Registered entry = new Registered(member);
        Endpoint endpoint = member.endpoint();
        Tags tags = Tags.of("pool", pool, "backend", endpoint.key());
        List<Meter> meters = entry.meters;
        for (String state : STATES)
            meters.add(Gauge.builder("wsproxy.backend.state", entry, e -> state.equals(e.state()) ? 1 : 0)
                .description("1 for the backend's current health state: up, ejected (passive health), down (active checks) or draining")
                .tags(tags).tag("state", state).strongReference(true).register(registry));
        meters.add(Gauge.builder("wsproxy.backend.weight", entry, e -> e.member.weight()).description("The backend's weight in its pool")
            .tags(tags).strongReference(true).register(registry));
        meters.add(Gauge.builder("wsproxy.backend.sessions.live", endpoint, Endpoint::sessions)
            .description("Live WebSocket sessions on the backend, handshakes in progress included").tags(tags).strongReference(true).register(registry));
        meters.add(Gauge.builder("wsproxy.backend.requests.inflight", endpoint, Endpoint::requests)
            .description("HTTP requests in flight to the backend").tags(tags).strongReference(true).register(registry));
        meters.add(FunctionCounter.builder("wsproxy.backend.served", endpoint, Endpoint::served)
            .description("Sessions and requests started on the backend").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("wsproxy.backend.failures", endpoint, Endpoint::failures)
            .description("Failed connects or handshakes to the backend").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("wsproxy.backend.ejections", endpoint, Endpoint::ejectionsTotal)
            .description("Times passive health ejected the backend").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("wsproxy.backend.checks", endpoint, Endpoint::checksPassed)
            .description("Active health-check probes, by result").tags(tags).tag("result", "pass").register(registry));
        meters.add(FunctionCounter.builder("wsproxy.backend.checks", endpoint, Endpoint::checksFailed)
            .description("Active health-check probes, by result").tags(tags).tag("result", "fail").register(registry));
        return entry;
    }
}
