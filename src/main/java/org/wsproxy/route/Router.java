package org.wsproxy.route;

import java.util.Comparator;
import java.util.List;

import org.wsproxy.config.RouteConfig;

/**
 * Maps a request path to the route with the longest matching prefix, like nginx prefix locations.
 * Immutable: built once from the config.
 */
public final class Router
{
    private final List<Route> routes;

    public Router(List<RouteConfig> configs)
    {
        this.routes = configs.stream()
            .map(Route::new)
            .sorted(Comparator.comparingInt((Route r) -> r.pathPrefix().length()).reversed())
            .toList();
    }

    /**
     * @param path the decoded, normalised path within the context ({@link RequestPath#of}), or null when it
     * could not be normalised
     * @return the matching route, or null when none matches (the caller answers 404) or the path is null
     */
    public Route match(String path)
    {
        if (path == null)
            return null;
        for (Route route : routes)
        {
            if (route.matches(path))
                return route;
        }
        return null;
    }

    public List<Route> routes()
    {
        return routes;
    }
}
