package org.wsproxy.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.wsproxy.config.BackendConfig;
import org.wsproxy.config.PassiveHealthConfig;
import org.wsproxy.config.Params;
import org.wsproxy.config.PoolConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pool selection without a network: round-robin, skipping an endpoint for the back-off after a
 * reported failure, falling back to skipped endpoints when nothing else is left, honouring the
 * per-request exclusion list, backups, drain, and reconfiguration keeping endpoints and their counters.
 * Back-off expiry is shown with a zero back-off, not by waiting.
 */
public class PoolTest
{
    private static final Duration LONG = Duration.ofHours(1);

    private static Pool upstream(Duration backoff, String... names)
    {
        List<BackendConfig> backends = new ArrayList<>();
        for (String name : names)
            backends.add(BackendConfig.of(URI.create("http://" + name + ":80")));
        return new Pool("u", backends, LoadBalancer.roundRobin(), new PassiveHealthConfig(1, backoff, backoff.plusHours(1)));
    }

    static PassiveHealthConfig passive(Duration failTimeout)
    {
        return new PassiveHealthConfig(1, failTimeout, failTimeout.plusHours(1));
    }

    static List<BackendConfig> parse(String backends)
    {
        return Params.backends("test", backends);
    }

    private static Endpoint endpoint(Pool upstream, String name)
    {
        return upstream.endpoints().stream().filter(e -> e.uri().getHost().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> select(Pool upstream, int times, List<Endpoint> exclude)
    {
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < times; i++)
        {
            Endpoint endpoint = upstream.pick(RequestKey.NONE, exclude);
            picks.add(endpoint == null ? null : endpoint.uri().getHost());
        }
        return picks;
    }

    @Test
    public void roundRobinInConfiguredOrder()
    {
        Pool upstream = upstream(LONG, "a", "b", "c");
        assertEquals(List.of("a", "b", "c", "a", "b", "c", "a"), select(upstream, 7, List.of()));
    }

    @Test
    public void singleEndpointIsAlwaysSelected()
    {
        Pool upstream = upstream(LONG, "a");
        assertEquals(List.of("a", "a", "a"), select(upstream, 3, List.of()));
    }

    @Test
    public void failedEndpointIsSkippedForTheBackoff()
    {
        Pool upstream = upstream(LONG, "a", "b", "c");
        Endpoint b = endpoint(upstream, "b");
        upstream.reportFailure(b);
        assertEquals(1, b.failures());
        // The live endpoints take equal turns while b is skipped.
        assertEquals(List.of("a", "c", "a", "c", "a", "c"), select(upstream, 6, List.of()));
    }

    @Test
    public void successEndsTheRunOfFailuresButNotAnEjection()
    {
        Pool pool = new Pool("p", parse("http://a:80, http://b:80"), LoadBalancer.roundRobin(), new PassiveHealthConfig(2, LONG, LONG));
        Endpoint b = endpoint(pool, "b");
        pool.reportFailure(b);
        pool.reportSuccess(b);
        pool.reportFailure(b);
        // Two failures, but not in a row: b stays in.
        assertEquals(List.of("a", "b", "a", "b"), select(pool, 4, List.of()));
        pool.reportFailure(b);
        assertEquals(List.of("a", "a"), select(pool, 2, List.of()));
        // A late success (a session that began before) does not cut the ejection short.
        pool.reportSuccess(b);
        assertEquals(List.of("a", "a"), select(pool, 2, List.of()));
        assertEquals(3, b.failures());
    }

    @Test
    public void endpointIsSelectedAgainOnceItsBackoffHasPassed()
    {
        // A zero back-off has always passed by the next selection.
        Pool upstream = upstream(Duration.ZERO, "a", "b");
        upstream.reportFailure(endpoint(upstream, "b"));
        assertEquals(List.of("a", "b", "a", "b"), select(upstream, 4, List.of()));
    }

    @Test
    public void aPoolOfOneIsTriedEvenWhenEjected()
    {
        // nginx never takes the only server of a group out: a restart must not mean 503 for failTimeout.
        Pool pool = upstream(LONG, "a");
        Endpoint a = endpoint(pool, "a");
        pool.reportFailure(a);
        assertTrue(a.isEjected());
        assertEquals(List.of("a", "a"), select(pool, 2, List.of()));
        // Tried by this request already: nothing left for it, which the caller answers with the last failure.
        assertNull(pool.pick(RequestKey.NONE, List.of(a)));
    }

    @Test
    public void whenAllAreEjectedTheLeastRecentlyFailedIsTriedFirst()
    {
        Pool pool = upstream(LONG, "a", "b", "c");
        Endpoint a = endpoint(pool, "a");
        Endpoint b = endpoint(pool, "b");
        Endpoint c = endpoint(pool, "c");
        long t = 1_000_000_000L;
        pool.reportFailure(b, t);
        pool.reportFailure(c, t + 1);
        pool.reportFailure(a, t + 2);
        // One request's failover walks them in that order, then has none left.
        List<Endpoint> tried = new ArrayList<>();
        for (String expected : List.of("b", "c", "a"))
        {
            Endpoint picked = pool.pick(RequestKey.NONE, tried, t + 3);
            assertEquals(expected, picked.uri().getHost());
            tried.add(picked);
        }
        assertNull(pool.pick(RequestKey.NONE, tried, t + 3));
        // A failure while ejected still counts as the latest: b failing again puts c first.
        pool.reportFailure(b, t + 4);
        assertSame(c, pool.pick(RequestKey.NONE, List.of(), t + 5));
        // The ejections themselves are unchanged: Retry-After still says when the first one ends.
        assertTrue(a.isEjected(t + 5) && b.isEjected(t + 5) && c.isEjected(t + 5));
    }

    @Test
    public void drainedAndDownBackendsAreNoLastResort()
    {
        Pool pool = new Pool("p", parse("http://a:80 drain, http://b:80, http://c:80"), LoadBalancer.roundRobin(), passive(LONG));
        Endpoint b = endpoint(pool, "b");
        Endpoint c = endpoint(pool, "c");
        pool.markDown(b, "test");
        pool.reportFailure(c);
        // a is drained and b down: c, out only through its ejection, is tried.
        assertEquals(List.of("c", "c"), select(pool, 2, List.of()));
        // Down and ejected: down wins, nothing is eligible, 503 with the fail timeout as Retry-After.
        pool.markDown(c, "test");
        assertEquals(java.util.Arrays.asList(null, null), select(pool, 2, List.of()));
        assertEquals(Duration.ofHours(1), pool.retryAfter());
        // Drained only: 503 as before, whatever the passive health.
        assertNull(new Pool("p", parse("http://a:80 drain"), LoadBalancer.roundRobin(), passive(LONG)).pick(RequestKey.NONE, List.of()));
    }

    @Test
    public void aHealthyBackendTriedByThisRequestKeepsTheEjectedOnesOut()
    {
        // Not every backend is ejected (a is only tried by this request): no last resort, the ejection holds.
        Pool pool = new Pool("p", parse("http://a:80, http://b:80"), LoadBalancer.roundRobin(), new PassiveHealthConfig(2, LONG, LONG));
        Endpoint a = endpoint(pool, "a");
        Endpoint b = endpoint(pool, "b");
        pool.reportFailure(b);
        pool.reportFailure(b);
        pool.reportFailure(a);
        assertNull(pool.pick(RequestKey.NONE, List.of(a)));
        assertEquals(List.of("a", "a"), select(pool, 2, List.of()));
    }

    @Test
    public void whenAllAreTriedNothingIsEligibleAndRetryAfterSaysWhenTheFirstComesBack()
    {
        Pool upstream = upstream(LONG, "a", "b", "c");
        for (Endpoint endpoint : upstream.endpoints())
            upstream.reportFailure(endpoint);
        assertEquals(java.util.Arrays.asList(null, null), select(upstream, 2, upstream.endpoints()));
        assertEquals(Duration.ofHours(1), upstream.retryAfter());
    }

    @Test
    public void backupsAreInTheLastResortToo()
    {
        // Every member ejected, primary or backup: the least recently failed goes first, whatever its role.
        Pool pool = new Pool("p", parse("http://a:80, http://spare:80 backup"), LoadBalancer.roundRobin(), passive(LONG));
        pool.reportFailure(endpoint(pool, "spare"), 10);
        pool.reportFailure(endpoint(pool, "a"), 20);
        assertEquals("spare", pool.pick(RequestKey.NONE, List.of(), 30).uri().getHost());
    }

    @Test
    public void availableEndpointIsTheOnlyChoice()
    {
        Pool upstream = upstream(LONG, "a", "b", "c");
        upstream.reportFailure(endpoint(upstream, "a"));
        upstream.reportFailure(endpoint(upstream, "b"));
        assertEquals(List.of("c", "c", "c"), select(upstream, 3, List.of()));
    }

    @Test
    public void excludedEndpointsAreNeverSelected()
    {
        Pool upstream = upstream(LONG, "a", "b", "c");
        Endpoint a = endpoint(upstream, "a");
        assertEquals(List.of("b", "c", "b", "c"), select(upstream, 4, List.of(a)));
    }

    @Test
    public void failedEndpointIsNotAFallback()
    {
        Pool upstream = upstream(LONG, "a", "b");
        Endpoint a = endpoint(upstream, "a");
        Endpoint b = endpoint(upstream, "b");
        upstream.reportFailure(b);
        // b is ejected and a was tried: nothing is eligible, which the caller answers with 503.
        assertEquals(java.util.Arrays.asList(null, null), select(upstream, 2, List.of(a)));
    }

    @Test
    public void nullWhenAllAreExcluded()
    {
        Pool upstream = upstream(LONG, "a", "b");
        assertNull(upstream.pick(RequestKey.NONE, upstream.endpoints()));
        upstream.reportFailure(endpoint(upstream, "a"));
        assertNull(upstream.pick(RequestKey.NONE, List.copyOf(upstream.endpoints())));
    }

    @Test
    public void retryLoopTriesEachEndpointOnceThenStops()
    {
        // The WebSocket side's retry loop: select excluding what was tried, at most maxAttempts times.
        Pool upstream = upstream(LONG, "a", "b", "c");
        List<Endpoint> tried = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            Endpoint endpoint = upstream.pick(RequestKey.NONE, tried);
            upstream.reportFailure(endpoint);
            tried.add(endpoint);
        }
        assertEquals(java.util.Set.of("a", "b", "c"), tried.stream().map(e -> e.uri().getHost()).collect(java.util.stream.Collectors.toSet()));
        assertEquals(3, tried.size());
        assertNull(upstream.pick(RequestKey.NONE, tried));
    }

    @Test
    public void poolsAreBuiltFromTheConfig()
    {
        Pools pools = new Pools(List.of(new PoolConfig("ws", parse("http://a:80, http://b:80"), org.wsproxy.config.BalancerConfig.ROUND_ROBIN, passive(LONG),
            new org.wsproxy.config.HealthCheckConfig(org.wsproxy.config.HealthCheckConfig.Kind.NONE, "/", 200, 399, LONG, LONG, 1, 1), false, "")), new byte[32]);
        assertEquals(2, pools.get("ws").endpoints().size());
        assertThrows(IllegalArgumentException.class, () -> pools.get("nope"));
    }

    @Test
    public void smoothWeightedRoundRobinInterleaves()
    {
        // nginx's example: weights 5, 1, 1 give a a b a c a a, not five a's in a row.
        Pool pool = new Pool("p", parse("http://a:80 weight=5, http://b:80, http://c:80"), LoadBalancer.roundRobin(), passive(LONG));
        assertEquals(List.of("a", "a", "b", "a", "c", "a", "a"), select(pool, 7, List.of()));
    }

    @Test
    public void weightedRoundRobinFollowsTheWeightsWithinOne()
    {
        Pool pool = new Pool("p", parse("http://a:80 weight=3, http://b:80 weight=2, http://c:80"), LoadBalancer.roundRobin(), passive(LONG));
        Map<String, Integer> counts = new HashMap<>();
        for (int n = 1; n <= 120; n++)
        {
            counts.merge(pool.pick(RequestKey.NONE, List.of()).uri().getHost(), 1, Integer::sum);
            // After any number of picks, each endpoint's share is within one of its weight's share.
            for (String name : List.of("a", "b", "c"))
            {
                int weight = name.equals("a") ? 3 : name.equals("b") ? 2 : 1;
                double expected = n * weight / 6.0;
                assertTrue(Math.abs(counts.getOrDefault(name, 0) - expected) <= 1, name + " after " + n + ": " + counts);
            }
        }
    }

    @Test
    public void backupsServeOnlyWhenNoPrimaryIsEligible()
    {
        Pool pool = new Pool("p", parse("http://a:80, http://b:80, http://spare:80 backup"), LoadBalancer.roundRobin(), passive(LONG));
        assertEquals(List.of("a", "b", "a", "b"), select(pool, 4, List.of()));
        // Primaries merely tried by this request do not bring in the backup while another primary is left.
        assertEquals(List.of("b"), select(pool, 1, List.of(endpoint(pool, "a"))));
        assertEquals(List.of("spare", "spare"), select(pool, 2, List.of(endpoint(pool, "a"), endpoint(pool, "b"))));
        // A primary that failed is skipped, and the backup still waits while the other primary is up.
        pool.reportFailure(endpoint(pool, "a"));
        assertEquals(List.of("b", "b"), select(pool, 2, List.of()));
    }

    @Test
    public void drainedEndpointTakesNoNewSessions()
    {
        Pool pool = new Pool("p", parse("http://a:80, http://b:80 drain, http://c:80"), LoadBalancer.roundRobin(), passive(LONG));
        assertEquals(List.of("a", "c", "a", "c"), select(pool, 4, List.of()));
        assertNull(new Pool("p", parse("http://a:80 drain"), LoadBalancer.roundRobin(), passive(LONG)).pick(RequestKey.NONE, List.of()));
    }

    @Test
    public void updateKeepsEndpointsAndTheirCountersAndSwapsTheSnapshot()
    {
        Pool pool = new Pool("p", parse("http://a:80, http://b:80"), LoadBalancer.roundRobin(), passive(LONG));
        Endpoint a = endpoint(pool, "a");
        Endpoint b = endpoint(pool, "b");
        Lease session = a.lease(true);
        Lease request = b.lease(false);
        Pool.Snapshot before = pool.snapshot();

        pool.update(parse("http://a:80 weight=2, http://c:80, http://b:80 drain"));
        Pool.Snapshot after = pool.snapshot();
        assertEquals(before.version() + 1, after.version());
        assertEquals(List.of("a", "c", "b"), after.members().stream().map(m -> m.endpoint().uri().getHost()).toList());
        assertSame(a, endpoint(pool, "a"));
        assertSame(b, endpoint(pool, "b"));
        assertEquals(1, a.sessions());
        assertEquals(1, b.requests());
        assertEquals(2, after.members().get(0).weight());
        assertTrue(after.members().get(2).drain());
        // The old snapshot is untouched: a pick that started with it sees it whole.
        assertEquals(List.of("a", "b"), before.members().stream().map(m -> m.endpoint().uri().getHost()).toList());
        assertEquals(List.of("a", "c", "a", "a", "c", "a"), select(pool, 6, List.of()));

        pool.update(parse("http://c:80"));
        assertEquals(List.of("c"), pool.endpoints().stream().map(e -> e.uri().getHost()).toList());
        // A removed endpoint's live session is still counted until it ends.
        assertEquals(1, a.sessions());
        session.release();
        request.release();
        assertEquals(0, a.sessions());
        assertEquals(0, b.requests());
    }

    @Test
    public void leaseCountsOnceWhateverHowOftenItIsReleased()
    {
        Pool pool = upstream(LONG, "a");
        Endpoint a = endpoint(pool, "a");
        Lease first = a.lease(true);
        Lease second = a.lease(false);
        assertEquals(2, a.load());
        first.release();
        first.release();
        assertEquals(1, a.load());
        second.release();
        assertEquals(0, a.load());
        assertEquals(2, a.served());
    }
}
