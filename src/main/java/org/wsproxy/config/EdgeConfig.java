package org.wsproxy.config;

import java.util.List;

/**
 * One route's checks at the edge, made before any backend is contacted (see {@code org.wsproxy.guard}).
 *
 * @param allowedOrigins Origins a WebSocket upgrade may come from: exact ({@code https://app.example.com}),
 * wildcard ({@code https://*.example.com}), {@code same-origin} or {@code null}; empty: any Origin (off)
 * @param allowMissingOrigin whether an upgrade without an Origin header passes an allow-list (non-browser clients send none)
 * @param allowClients client addresses, CIDR blocks or ranges allowed on the route; empty: every address
 * @param denyClients client addresses, CIDR blocks or ranges refused on the route, whatever {@code allowClients} says
 * @param maxSessionsPerClient live WebSocket sessions one client address may hold on the route
 * @param handshakeRate new WebSocket handshakes per second one client address may start on the route
 * @param handshakeBurst handshakes one client address may start at once before the rate applies
 */
public record EdgeConfig(List<String> allowedOrigins, boolean allowMissingOrigin, List<String> allowClients, List<String> denyClients,
                         int maxSessionsPerClient, int handshakeRate, int handshakeBurst)
{
    public EdgeConfig
    {
        allowedOrigins = List.copyOf(allowedOrigins);
        allowClients = List.copyOf(allowClients);
        denyClients = List.copyOf(denyClients);
    }
}
