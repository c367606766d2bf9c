package org.wsproxy.boot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.BackendConfig;
import org.wsproxy.upstream.Member;
import org.wsproxy.upstream.Pool;
import org.wsproxy.upstream.Pools;

/** Applies validated backend lists to the pools: one atomic snapshot swap per pool that changed, logged. */
final class PoolChanges
{
    private static final Logger LOG = LoggerFactory.getLogger(PoolChanges.class);

    private PoolChanges()
    {
    }

    /** @return the names of the pools that changed */
    static List<String> apply(Pools pools, Map<String, List<BackendConfig>> backends, String source)
    {
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, List<BackendConfig>> entry : backends.entrySet())
        {
            Pool pool = pools.get(entry.getKey());
            if (entry.getValue().equals(current(pool)))
                continue;
            Pool.Snapshot before = pool.snapshot();
            pool.update(entry.getValue());
            changed.add(pool.name());
            LOG.info("wsproxy: pool {} changed by {}: {} -> {}", pool.name(), source, before, pool.snapshot());
        }
        return changed;
    }

    static List<BackendConfig> current(Pool pool)
    {
        return pool.snapshot().members().stream()
            .map((Member m) -> new BackendConfig(m.endpoint().uri(), m.weight(), m.backup(), m.drain()))
            .toList();
    }
}
