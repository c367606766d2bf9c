package org.wsproxy.config;

import java.util.List;

/**
 * A named set of interchangeable backends, shared by every route that names it.
 *
 * @param name the pool's name in {@code wsproxy.pools}, or {@code route:<name>} for a route's own {@code backends}
 * @param backends the backends, in configured order
 * @param balancer how a backend is chosen for a new session or request
 * @param passive when failed connects and handshakes eject a backend, and for how long
 */
public record PoolConfig(String name, List<BackendConfig> backends, BalancerConfig balancer, PassiveHealthConfig passive)
{

    public PoolConfig
    {
        backends = List.copyOf(backends);
    }
}
