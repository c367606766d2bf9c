package org.wsproxy.config;

import java.util.List;

/**
 * A named set of interchangeable backends, shared by every route that names it.
 *
 * @param name the pool's name in {@code wsproxy.pools}, or {@code route:<name>} for a route's own {@code backends}
 * @param backends the backends, in configured order
 * @param balancer how a backend is chosen for a new session or request
 * @param passive when failed connects and handshakes eject a backend, and for how long
 * @param healthCheck the active health check, possibly {@link HealthCheckConfig.Kind#NONE}
 * @param shutdownSessionsOnDown close the live WebSocket sessions of a backend that health checks mark down
 * @param stickyCookie the name of the cookie that keeps a client on its backend, or "" for none
 * @param storm slow start and the cap on concurrent handshakes per backend
 */
public record PoolConfig(String name, List<BackendConfig> backends, BalancerConfig balancer, PassiveHealthConfig passive,
                         HealthCheckConfig healthCheck, boolean shutdownSessionsOnDown, String stickyCookie, StormConfig storm)
{
    /** A pool without slow start or a handshake cap. */
    public PoolConfig(String name, List<BackendConfig> backends, BalancerConfig balancer, PassiveHealthConfig passive,
                      HealthCheckConfig healthCheck, boolean shutdownSessionsOnDown, String stickyCookie)
    {
        this(name, backends, balancer, passive, healthCheck, shutdownSessionsOnDown, stickyCookie, StormConfig.OFF);
    }

    public PoolConfig
    {
        backends = List.copyOf(backends);
    }
}
