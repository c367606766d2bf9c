package org.wsproxy.guard;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpServletRequest;
import org.wsproxy.config.ProxyConfig;
import org.wsproxy.config.RouteConfig;
import org.wsproxy.forward.ForwardingPolicy;
import org.wsproxy.route.Route;

/**
 * The checks made at the edge, before any backend is contacted, for every route: client address lists on every
 * request; on WebSocket upgrades also the Origin allow-list, the handshake rate per client address, live
 * sessions per client address (per route) and in total (the whole proxy). The WebSocket filter and the HTTP
 * servlet consult it; each refusal has one answer ({@link Refusal}). The client address is the one the
 * trusted-proxy rules decide ({@link ForwardingPolicy#clientAddress}), the same that ip-hash and
 * {@code X-Real-IP} use.
 */
public final class EdgeGuards
{
    /** A scanner can cause refusals at will: one line per this interval per route and cause, with a count, is enough to see it. */
    public static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);

    private final ForwardingPolicy forwarding;
    private final Map<String, RouteGuard> routes = new LinkedHashMap<>();
    private final int maxSessions;
    private final AtomicInteger liveSessions = new AtomicInteger();

    public EdgeGuards(ProxyConfig config, ForwardingPolicy forwarding)
    {
        this.forwarding = forwarding;
        this.maxSessions = config.maxSessions();
        for (RouteConfig route : config.routes())
            routes.put(route.name(), new RouteGuard(route.name(), route.edge(), REFUSAL_LOG_INTERVAL));
    }

    /** A plain HTTP request (or an upgrade on a route that does not relay WebSocket): the client address lists only. */
    public Admission admitRequest(Route route, HttpServletRequest request)
    {
        Refusal refusal = guard(route).checkRequest(request, forwarding.clientAddress(request));
        return refusal == null ? Admission.passed() : Admission.refused(refusal);
    }

    /**
     * A well-formed WebSocket upgrade on a WebSocket route. Admitted, it counts as a live session, per client and
     * in total, until {@link Admission#release()}: the caller releases it when the backend handshake fails or
     * when both hops of the relay have closed.
     */
    public Admission admitUpgrade(Route route, HttpServletRequest request)
    {
        RouteGuard guard = guard(route);
        String client = forwarding.clientAddress(request);
        Refusal refusal = guard.checkUpgrade(request, client);
        if (refusal != null)
            return Admission.refused(refusal);
        if (!guard.acquireSession(request, client))
            return Admission.refused(Refusal.SESSIONS_PER_CLIENT);
        if (!acquireTotal())
        {
            guard.releaseSession(client);
            return Admission.refused(guard.refuse(Refusal.SESSIONS, request, client, "the proxy holds wsproxy.maxSessions=" + maxSessions + " live sessions"));
        }
        return Admission.admitted(() ->
        {
            liveSessions.decrementAndGet();
            guard.releaseSession(client);
        });
    }

    private boolean acquireTotal()
    {
        while (true)
        {
            int live = liveSessions.get();
            if (live >= maxSessions)
                return false;
            if (liveSessions.compareAndSet(live, live + 1))
                return true;
        }
    }

    private RouteGuard guard(Route route)
    {
        RouteGuard guard = routes.get(route.name());
        if (guard == null)
            throw new IllegalArgumentException("no route " + route.name());
        return guard;
    }

    /** Sessions admitted and not yet released, handshakes in progress included. */
    public int liveSessions()
    {
        return liveSessions.get();
    }

    /** How many requests the route refused for this cause since start. */
    public long refused(String route, Refusal refusal)
    {
        return routes.get(route).refused(refusal);
    }

    /**
     * For the admin endpoint: the live sessions against {@code maxSessions}, then per route the refusals by cause
     * and how many client addresses are tracked (with live sessions, with a handshake bucket not yet refilled).
     */
    public String describe()
    {
        StringBuilder text = new StringBuilder();
        text.append("edge sessions live=").append(liveSessions.get()).append(" max=").append(maxSessions).append('\n');
        for (RouteGuard guard : routes.values())
        {
            text.append("edge route ").append(guard.name()).append(" refused");
            for (Refusal refusal : Refusal.values())
                text.append(' ').append(refusal.key()).append('=').append(guard.refused(refusal));
            text.append(" addresses sessions=").append(guard.addressesWithSessions()).append(" buckets=").append(guard.addressesWithBuckets()).append('\n');
        }
        return text.toString();
    }

    @Override
    public String toString()
    {
        return "EdgeGuards[live=" + liveSessions.get() + "/" + maxSessions + " " + routes.values() + "]";
    }
}
