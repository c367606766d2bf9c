package org.wsproxy.upstream;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.wsproxy.config.RouteConfig;

/**
 * The upstreams by name, built once from the config.
 */
public final class Upstreams
{
    /** How long an endpoint is skipped after a failed connect: nginx's default fail_timeout. */
    public static final Duration FAILURE_BACKOFF = Duration.ofSeconds(10);

    private final Map<String, Upstream> byName;

    public Upstreams(Iterable<RouteConfig> routes)
    {
        Map<String, Upstream> map = new LinkedHashMap<>();
        for (RouteConfig route : routes)
            map.put(route.name(), new Upstream(route.name(), route.backends(), FAILURE_BACKOFF));
        this.byName = Map.copyOf(map);
    }

    public Upstream get(String name)
    {
        Upstream upstream = byName.get(name);
        if (upstream == null)
            throw new IllegalArgumentException("No upstream " + name);
        return upstream;
    }

    public Iterable<Upstream> all()
    {
        return byName.values();
    }
}
