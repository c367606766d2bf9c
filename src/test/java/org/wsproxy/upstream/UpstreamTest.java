package org.wsproxy.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Upstream selection without a network: round-robin, skipping an endpoint for the back-off after a
 * reported failure, falling back to skipped endpoints when nothing else is left, and honouring the
 * per-request exclusion list. Back-off expiry is shown with a zero back-off, not by waiting.
 */
public class UpstreamTest
{
    private static final Duration LONG = Duration.ofHours(1);

    private static Upstream upstream(Duration backoff, String... names)
    {
        List<URI> uris = new ArrayList<>();
        for (String name : names)
            uris.add(URI.create("http://" + name + ":80"));
        return new Upstream("u", uris, backoff);
    }

    private static Endpoint endpoint(Upstream upstream, String name)
    {
        return upstream.endpoints().stream().filter(e -> e.uri().getHost().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> select(Upstream upstream, int times, List<Endpoint> exclude)
    {
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < times; i++)
        {
            Endpoint endpoint = upstream.select(exclude);
            picks.add(endpoint == null ? null : endpoint.uri().getHost());
        }
        return picks;
    }

    @Test
    public void roundRobinInConfiguredOrder()
    {
        Upstream upstream = upstream(LONG, "a", "b", "c");
        assertEquals(List.of("a", "b", "c", "a", "b", "c", "a"), select(upstream, 7, List.of()));
        assertEquals(3, upstream.maxAttempts());
    }

    @Test
    public void singleEndpointIsAlwaysSelected()
    {
        Upstream upstream = upstream(LONG, "a");
        assertEquals(List.of("a", "a", "a"), select(upstream, 3, List.of()));
    }

    @Test
    public void failedEndpointIsSkippedForTheBackoff()
    {
        Upstream upstream = upstream(LONG, "a", "b", "c");
        Endpoint b = endpoint(upstream, "b");
        upstream.reportFailure(b);
        assertEquals(1, b.failures());
        // The live endpoints take equal turns while b is skipped.
        assertEquals(List.of("a", "c", "a", "c", "a", "c"), select(upstream, 6, List.of()));
    }

    @Test
    public void successEndsTheSkip()
    {
        Upstream upstream = upstream(LONG, "a", "b");
        Endpoint b = endpoint(upstream, "b");
        upstream.reportFailure(b);
        assertEquals(List.of("a", "a"), select(upstream, 2, List.of()));
        upstream.reportSuccess(b);
        assertEquals(List.of("a", "b", "a", "b"), select(upstream, 4, List.of()));
        assertEquals(1, b.failures());
    }

    @Test
    public void endpointIsSelectedAgainOnceItsBackoffHasPassed()
    {
        // A zero back-off has always passed by the next selection.
        Upstream upstream = upstream(Duration.ZERO, "a", "b");
        upstream.reportFailure(endpoint(upstream, "b"));
        assertEquals(List.of("a", "b", "a", "b"), select(upstream, 4, List.of()));
    }

    @Test
    public void whenAllFailedSelectionFallsBackToTheNextInTurn()
    {
        Upstream upstream = upstream(LONG, "a", "b", "c");
        for (Endpoint endpoint : upstream.endpoints())
            upstream.reportFailure(endpoint);
        assertEquals(List.of("a", "b", "c", "a"), select(upstream, 4, List.of()));
    }

    @Test
    public void availableEndpointIsPreferredOverAFallback()
    {
        Upstream upstream = upstream(LONG, "a", "b", "c");
        upstream.reportFailure(endpoint(upstream, "a"));
        upstream.reportFailure(endpoint(upstream, "b"));
        assertEquals(List.of("c", "c", "c"), select(upstream, 3, List.of()));
    }

    @Test
    public void excludedEndpointsAreNeverSelected()
    {
        Upstream upstream = upstream(LONG, "a", "b", "c");
        Endpoint a = endpoint(upstream, "a");
        assertEquals(List.of("b", "c", "b", "c"), select(upstream, 4, List.of(a)));
    }

    @Test
    public void excludedEndpointIsNotAFallback()
    {
        Upstream upstream = upstream(LONG, "a", "b");
        Endpoint a = endpoint(upstream, "a");
        Endpoint b = endpoint(upstream, "b");
        upstream.reportFailure(b);
        // b failed but is the only one not excluded: selected as the fallback.
        assertEquals(List.of("b", "b"), select(upstream, 2, List.of(a)));
    }

    @Test
    public void nullWhenAllAreExcluded()
    {
        Upstream upstream = upstream(LONG, "a", "b");
        assertNull(upstream.select(upstream.endpoints()));
        upstream.reportFailure(endpoint(upstream, "a"));
        assertNull(upstream.select(List.copyOf(upstream.endpoints())));
    }

    @Test
    public void retryLoopTriesEachEndpointOnceThenStops()
    {
        // The WebSocket side's retry loop: select excluding what was tried, at most maxAttempts times.
        Upstream upstream = upstream(LONG, "a", "b", "c");
        List<Endpoint> tried = new ArrayList<>();
        for (int i = 0; i < upstream.maxAttempts(); i++)
        {
            Endpoint endpoint = upstream.select(tried);
            upstream.reportFailure(endpoint);
            tried.add(endpoint);
        }
        assertEquals(java.util.Set.of("a", "b", "c"), tried.stream().map(e -> e.uri().getHost()).collect(java.util.stream.Collectors.toSet()));
        assertEquals(3, tried.size());
        assertNull(upstream.select(tried));
    }

    @Test
    public void upstreamsAreBuiltPerRouteWithTheNginxBackoff()
    {
        Upstreams upstreams = new Upstreams(List.of(
            new org.wsproxy.config.RouteConfig("ws", "/ws/", List.of(URI.create("http://a:80"), URI.create("http://b:80")), true,
                Duration.ofSeconds(5), Duration.ofHours(24), Duration.ofSeconds(60))));
        assertEquals(2, upstreams.get("ws").endpoints().size());
        assertEquals(Duration.ofSeconds(10), Upstreams.FAILURE_BACKOFF);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> upstreams.get("nope"));
    }
}
