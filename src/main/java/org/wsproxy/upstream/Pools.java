package org.wsproxy.upstream;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.wsproxy.config.PoolConfig;

/**
 * The pools by name, built once from the config; routes name them. The set of pools is fixed at start-up,
 * the members of each may change at run time ({@link Pool#update}).
 */
public final class Pools
{
    private final Map<String, Pool> byName;

    /** @param stickySecret the key of the sticky cookies' HMAC */
    public Pools(Iterable<PoolConfig> pools, byte[] stickySecret)
    {
        Map<String, Pool> map = new LinkedHashMap<>();
        for (PoolConfig pool : pools)
        {
            StickyCookie sticky = pool.stickyCookie().isEmpty() ? null : new StickyCookie(pool.stickyCookie(), pool.name(), stickySecret);
            map.put(pool.name(), new Pool(pool.name(), pool.backends(), LoadBalancer.of(pool.balancer()), pool.passive(), sticky, pool.storm()));
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    /** @return the pool, or an IllegalArgumentException (the config guarantees every route's pool exists) */
    public Pool get(String name)
    {
        Pool pool = byName.get(name);
        if (pool == null)
            throw new IllegalArgumentException("No pool " + name);
        return pool;
    }

    public Iterable<Pool> all()
    {
        return byName.values();
    }
}
