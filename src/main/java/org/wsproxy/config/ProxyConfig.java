package org.wsproxy.config;

import java.util.List;

/**
 * Everything shared by the WebSocket filter and the HTTP servlet, parsed once from the
 * context-params by {@link ProxyConfigParser}.
 *
 * @param routes the routes, in configured order
 * @param pools the pools, named ones first in configured order, then one per route that lists its own backends
 * @param preserveHost send the client's Host header to backends (nginx {@code proxy_set_header Host $host})
 * instead of the backend's own host and port
 * @param trustedProxies addresses or CIDR blocks of proxies in front of this one whose X-Forwarded-* and
 * Forwarded headers are kept and appended to; from anyone else those headers are replaced
 * @param maxFrameSize largest WebSocket frame payload read in one piece; larger frames are relayed in
 * pieces of this size, so it bounds memory per frame, not message size
 * @param stickySecret the key of sticky cookies' HMAC, or "" to make one at start-up
 * @param poolsFile the watched file of pool backends, or "" for none; relative to jetty.base
 * @param poolsFileInterval how often the pools file is looked at
 * @param admin the admin endpoint (off by default)
 * @param requestBody how HTTP request bodies are taken in (buffered, timed, limited per client)
 * @param maxSessions live WebSocket sessions the whole proxy holds at most (then 503)
 * @param clientIpHeaders headers claiming the client's address that only a trusted proxy may send; dropped from
 * anyone else
 * @param drain how the proxy stops taking load before it stops, and its readiness path
 * @param backendTls how the certificates of https:// and wss:// backends are checked
 * @param observe the metrics and status endpoints (off by default)
 */
public record ProxyConfig(List<RouteConfig> routes, List<PoolConfig> pools, boolean preserveHost, List<String> trustedProxies, long maxFrameSize,
                          String stickySecret, String poolsFile, java.time.Duration poolsFileInterval, AdminConfig admin,
                          RequestBodyConfig requestBody, int maxSessions, List<String> clientIpHeaders, DrainConfig drain,
                          BackendTlsConfig backendTls, ObserveConfig observe)
{
    public ProxyConfig
    {
        clientIpHeaders = List.copyOf(clientIpHeaders);
        routes = List.copyOf(routes);
        pools = List.copyOf(pools);
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** @return the pool with this name; an IllegalArgumentException when there is none (the parser made sure there is) */
    public PoolConfig pool(String name)
    {
        return pools.stream().filter(p -> p.name().equals(name)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("No pool " + name));
    }
}
