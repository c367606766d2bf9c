package org.wsproxy.guard;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.EdgeConfig;
import org.wsproxy.observe.RateLimitedLog;

/**
 * One route's edge: its client address lists, Origin allow-list, handshake rate and live sessions per
 * client, each refusal counted by cause and logged at most once per {@link EdgeGuards#REFUSAL_LOG_INTERVAL}
 * per cause (with the count of those left out): anyone can cause refusals at will.
 */
final class RouteGuard
{
    private static final Logger LOG = LoggerFactory.getLogger(EdgeGuards.class);
    private static final int MAX_LOGGED_ORIGIN = 200;

    private final String route;
    private final EdgeConfig config;
    private final ClientRules clients;
    private final OriginPolicy origins;
    private final HandshakeRate rate;
    private final SessionsPerClient sessions;
    private final Map<Refusal, LongAdder> refused = new EnumMap<>(Refusal.class);
    private final Map<Refusal, RateLimitedLog> logs = new EnumMap<>(Refusal.class);

    RouteGuard(String route, EdgeConfig config, Duration logInterval)
    {
        this.route = route;
        this.config = config;
        this.clients = new ClientRules(config.allowClients(), config.denyClients());
        this.origins = new OriginPolicy(config.allowedOrigins(), config.allowMissingOrigin());
        this.rate = new HandshakeRate(config.handshakeRate(), config.handshakeBurst(), System::nanoTime);
        this.sessions = new SessionsPerClient(config.maxSessionsPerClient());
        for (Refusal refusal : Refusal.values())
        {
            refused.put(refusal, new LongAdder());
            logs.put(refusal, new RateLimitedLog(LOG, logInterval));
        }
    }

    /** Plain HTTP: only the client address lists apply. */
    Refusal checkRequest(HttpServletRequest request, String client)
    {
        if (clients.allows(client))
            return null;
        return refuse(Refusal.CLIENT_ADDRESS, request, client, "not allowed by " + param("allowClients") + "/" + param("denyClients"));
    }

    /** A WebSocket upgrade: the address lists, the Origin, then the handshake rate. */
    Refusal checkUpgrade(HttpServletRequest request, String client)
    {
        Refusal refusal = checkRequest(request, client);
        if (refusal != null)
            return refusal;
        List<String> origin = Collections.list(request.getHeaders("Origin"));
        if (!origins.allows(origin, request.getHeader("Host")))
        {
            String shown = origin.isEmpty() ? "(none)" : String.join(", ", origin);
            if (shown.length() > MAX_LOGGED_ORIGIN)
                shown = shown.substring(0, MAX_LOGGED_ORIGIN) + "...";
            return refuse(Refusal.ORIGIN, request, client, "Origin " + shown + " not allowed by " + param("allowedOrigins") +
                (origin.isEmpty() ? "/" + param("allowMissingOrigin") : ""));
        }
        if (!rate.tryAcquire(client))
            return refuse(Refusal.HANDSHAKE_RATE, request, client, "more handshakes than " + param("handshakeRate") + "=" + config.handshakeRate() +
                "/s with " + param("handshakeBurst") + "=" + config.handshakeBurst());
        return null;
    }

    /** Counts a live session for the address; false (refusal counted and logged) when it holds its maximum. */
    boolean acquireSession(HttpServletRequest request, String client)
    {
        if (sessions.tryAcquire(client))
            return true;
        refuse(Refusal.SESSIONS_PER_CLIENT, request, client, "already holds " + param("maxSessionsPerClient") + "=" + config.maxSessionsPerClient() + " live sessions");
        return false;
    }

    void releaseSession(String client)
    {
        sessions.release(client);
    }

    Refusal refuse(Refusal refusal, HttpServletRequest request, String client, String why)
    {
        refused.get(refusal).increment();
        logs.get(refusal).warn("wsproxy route {}: refused {} {} from {}: {}; answered {}", route, request.getMethod(), request.getRequestURI(), client, why, refusal.status());
        return refusal;
    }

    long refused(Refusal refusal)
    {
        return refused.get(refusal).sum();
    }

    String name()
    {
        return route;
    }

    int addressesWithSessions()
    {
        return sessions.size();
    }

    int addressesWithBuckets()
    {
        return rate.size();
    }

    private String param(String key)
    {
        return "wsproxy.route." + route + "." + key;
    }

    @Override
    public String toString()
    {
        return "RouteGuard[" + route + " " + rate + " " + sessions + "]";
    }
}
