package org.wsproxy.observe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.wsproxy.relay.Relay;
import org.wsproxy.relay.Side;
import org.wsproxy.route.Route;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Member;
import org.wsproxy.upstream.Pool;
import org.wsproxy.upstream.Pools;
import org.wsproxy.websocket.WebSocketProxy;

/**
 * What the status page shows, as JSON: routes, pools and each backend's state and counters, the
 * {@value #SESSIONS} oldest and busiest live sessions. Made from snapshots when asked; no state of its own.
 */
public final class StatusReport
{
    /** How many of the oldest and of the busiest live sessions the report lists. */
    public static final int SESSIONS = 10;

    private final List<Route> routes;
    private final Pools pools;
    private final WebSocketProxy webSocketProxy;
    private final ProxyMetrics metrics;

    public StatusReport(List<Route> routes, Pools pools, WebSocketProxy webSocketProxy, ProxyMetrics metrics)
    {
        this.routes = List.copyOf(routes);
        this.pools = pools;
        this.webSocketProxy = webSocketProxy;
        this.metrics = metrics;
    }

    public String json()
    {
        List<WebSocketProxy.LiveSession> live = new ArrayList<>(webSocketProxy.liveSessions());
        Json json = new Json();
        json.open(null, '{');
        json.field("time", System.currentTimeMillis());
        json.open("websocket", '{').field("live", live.size()).field("opened", webSocketProxy.relaysOpened())
            .field("handshakesFailed", webSocketProxy.handshakesFailed()).close('}');
        json.open("routes", '[');
        for (Route route : routes)
        {
            long sessions = live.stream().filter(s -> s.route() == route).count();
            json.open(null, '{').field("name", route.name()).field("path", route.pathPrefix()).field("pool", route.pool())
                .field("websocket", route.websocket()).field("sessions", sessions).close('}');
        }
        json.close(']');
        json.open("pools", '[');
        for (Pool pool : pools.all())
        {
            Pool.Snapshot snapshot = pool.snapshot();
            json.open(null, '{').field("name", pool.name()).field("balancer", pool.balancer().name()).field("version", snapshot.version());
            json.open("backends", '[');
            for (Member member : snapshot.members())
                backend(json, member);
            json.close(']').close('}');
        }
        json.close(']');
        long now = System.nanoTime();
        live.sort(Comparator.comparingLong(s -> s.relay().created()));
        sessions(json, "oldest", live, now);
        live.sort(Comparator.comparingLong((WebSocketProxy.LiveSession s) -> frames(s.relay())).reversed());
        sessions(json, "busiest", live, now);
        json.close('}');
        return json.toString();
    }

    private void backend(Json json, Member member)
    {
        Endpoint e = member.endpoint();
        BackendMeters.LastError error = metrics.backends().lastError(e);
        json.open(null, '{').field("uri", e.key()).field("weight", member.weight()).field("backup", member.backup())
            .field("drain", member.drain()).field("state", BackendMeters.state(member)).field("sessions", e.sessions())
            .field("requests", e.requests()).field("served", e.served()).field("failures", e.failures())
            .field("ejections", e.ejectionsTotal())
            .field("lastError", error == null ? null : error.error()).field("lastErrorTime", error == null ? 0 : error.epochMillis())
            .close('}');
    }

    private static void sessions(Json json, String name, List<WebSocketProxy.LiveSession> live, long now)
    {
        json.open(name, '[');
        for (WebSocketProxy.LiveSession session : live.subList(0, Math.min(SESSIONS, live.size())))
        {
            Relay relay = session.relay();
            java.net.SocketAddress client = relay.clientAddress();
            json.open(null, '{').field("id", relay.id()).field("route", session.route().name()).field("backend", session.endpoint().key())
                .field("client", client == null ? null : client.toString()).field("ageMillis", (now - relay.created()) / 1_000_000)
                .field("framesFromClient", relay.frames(Side.CLIENT)).field("framesFromBackend", relay.frames(Side.BACKEND))
                .field("bytesFromClient", relay.bytes(Side.CLIENT)).field("bytesFromBackend", relay.bytes(Side.BACKEND))
                .close('}');
        }
        json.close(']');
    }

    private static long frames(Relay relay)
    {
        return relay.frames(Side.CLIENT) + relay.frames(Side.BACKEND);
    }
}
