package org.wsproxy.config;

import java.util.List;

/**
 * Everything shared by the WebSocket filter and the HTTP servlet, parsed once from the
 * context-params by {@link ProxyConfigParser}.
 *
 * @param routes the routes, in configured order
 * @param preserveHost send the client's Host header to backends (nginx {@code proxy_set_header Host $host})
 * instead of the backend's own host and port
 * @param trustedProxies addresses or CIDR blocks of proxies in front of this one whose X-Forwarded-* and
 * Forwarded headers are kept and appended to; from anyone else those headers are replaced
 * @param maxFrameSize largest WebSocket frame payload read in one piece; larger frames are relayed in
 * pieces of this size, so it bounds memory per frame, not message size
 */
public record ProxyConfig(List<RouteConfig> routes, boolean preserveHost, List<String> trustedProxies, long maxFrameSize)
{
    public ProxyConfig
    {
        routes = List.copyOf(routes);
        trustedProxies = List.copyOf(trustedProxies);
    }
}
