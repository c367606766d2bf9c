package org.wsproxy.config;

import java.time.Duration;

/**
 * One route as configured: requests whose path starts with {@code pathPrefix} go to the pool {@code pool}.
 *
 * @param name the route's name in {@code wsproxy.routes}
 * @param pathPrefix the path prefix within the context, starting with '/'
 * @param pool the name of the pool serving this route: a name from {@code wsproxy.pools}, or
 * {@code route:<name>} for the pool made of the route's own {@code backends}
 * @param websocket whether WebSocket upgrades on this route are relayed
 * @param connectTimeout time allowed to open a backend connection (and, for WebSocket, to get its handshake answer)
 * @param idleTimeout WebSocket: a session with no frame either way for this long is closed on both hops
 * @param readTimeout HTTP: the longest wait for the backend between two reads, then 504
 * @param retry how many backends one request may try, and for how long
 * @param edge the checks made before any backend is contacted (Origin, client addresses, limits)
 * @param relayPolicy WebSocket: message size and rate limits, and keepalive pings, per session
 */
public record RouteConfig(String name, String pathPrefix, String pool, boolean websocket,
                          Duration connectTimeout, Duration idleTimeout, Duration readTimeout, RetryConfig retry,
                          EdgeConfig edge, RelayPolicyConfig relayPolicy)
{
}
