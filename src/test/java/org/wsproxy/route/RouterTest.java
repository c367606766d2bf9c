package org.wsproxy.route;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.wsproxy.config.RouteConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Router: nginx-style prefix locations, the longest matching prefix wins whatever the configured order. */
public class RouterTest
{
    static RouteConfig config(String name, String path)
    {
        return new RouteConfig(name, path, "route:" + name, true,
            Duration.ofSeconds(5), Duration.ofHours(24), Duration.ofSeconds(60), new org.wsproxy.config.RetryConfig(3, Duration.ofSeconds(15)),
            new org.wsproxy.config.EdgeConfig(java.util.List.of(), true, java.util.List.of(), java.util.List.of(), 10000, 1000, 10000), null);
    }

    private static Router router(RouteConfig... configs)
    {
        return new Router(Arrays.asList(configs));
    }

    private static String matched(Router router, String path)
    {
        Route route = router.match(path);
        return route == null ? null : route.name();
    }

    @Test
    public void longestPrefixWinsWhateverTheConfiguredOrder()
    {
        Router shortFirst = router(config("root", "/"), config("api", "/api/"), config("v2", "/api/v2/"));
        Router longFirst = router(config("v2", "/api/v2/"), config("api", "/api/"), config("root", "/"));
        for (Router router : List.of(shortFirst, longFirst))
        {
            assertEquals("v2", matched(router, "/api/v2/users"));
            assertEquals("v2", matched(router, "/api/v2/"));
            assertEquals("api", matched(router, "/api/v1/users"));
            assertEquals("api", matched(router, "/api/"));
            assertEquals("root", matched(router, "/api"));
            assertEquals("root", matched(router, "/index.html"));
            assertEquals("root", matched(router, "/"));
        }
    }

    @Test
    public void noMatchGivesNull()
    {
        Router router = router(config("api", "/api/"), config("ws", "/ws/"));
        assertNull(router.match("/"));
        assertNull(router.match("/other/api/"));
        assertNull(router.match("/api"));
        assertNull(router.match(""));
    }

    @Test
    public void prefixesMatchAsStringsLikeNginx()
    {
        // A prefix without a trailing slash matches any path that starts with it, as nginx's "location /api" does.
        Router router = router(config("api", "/api"));
        assertEquals("api", matched(router, "/api"));
        assertEquals("api", matched(router, "/api/x"));
        assertEquals("api", matched(router, "/apix"));
        assertNull(router.match("/ap"));
    }

    @Test
    public void matchIsCaseSensitive()
    {
        Router router = router(config("api", "/api/"));
        assertNull(router.match("/API/x"));
    }

    @Test
    public void routesAreExposedLongestFirstWithTheirConfig()
    {
        Router router = router(config("root", "/"), config("api", "/api/"));
        assertEquals(List.of("api", "root"), router.routes().stream().map(Route::name).toList());
        Route api = router.routes().get(0);
        assertEquals("/api/", api.pathPrefix());
        assertEquals("route:api", api.pool());
        assertEquals(Duration.ofSeconds(60), api.readTimeout());
    }
}
