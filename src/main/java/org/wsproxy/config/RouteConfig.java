package org.wsproxy.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One route as configured: requests whose path starts with {@code pathPrefix} go to {@code backends}.
 *
 * @param name the route's name in {@code wsproxy.routes}, also the name of its upstream
 * @param pathPrefix the path prefix within the context, starting with '/'
 * @param backends the backends' base URLs, in configured order
 * @param websocket whether WebSocket upgrades on this route are relayed
 * @param connectTimeout time allowed to open a backend connection (and, for WebSocket, to get its handshake answer)
 * @param idleTimeout WebSocket: a session with no frame either way for this long is closed on both hops
 * @param readTimeout HTTP: the longest wait for the backend between two reads, then 504
 */
public record RouteConfig(String name, String pathPrefix, List<URI> backends, boolean websocket,
                          Duration connectTimeout, Duration idleTimeout, Duration readTimeout)
{
    public RouteConfig
    {
        backends = List.copyOf(backends);
    }
}
