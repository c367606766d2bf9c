package org.wsproxy.upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.wsproxy.config.Params;
import org.wsproxy.config.PassiveHealthConfig;
import org.wsproxy.config.StormConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow start without a network, on a made-up clock: a backend that came back (ejection over, marked up, added at
 * run time) takes a share of new sessions that grows linearly over {@code slowStart}, with each balancer; one
 * that never left (the first snapshot) starts at full weight.
 */
public class SlowStartTest
{
    private static final Duration SLOW_START = Duration.ofSeconds(100);
    private static final Duration FAIL_TIMEOUT = Duration.ofSeconds(10);
    /** Made-up monotonic time of the first failure: far from 0, which means "never". */
    private static final long T0 = 5_000_000_000_000L;

    private static Pool pool(LoadBalancer balancer, String backends)
    {
        return new Pool("p", Params.backends("test", backends), balancer, new PassiveHealthConfig(1, FAIL_TIMEOUT, FAIL_TIMEOUT),
            null, new StormConfig(SLOW_START, 0, 0, Duration.ofSeconds(1)));
    }

    private static Endpoint endpoint(Pool pool, String host)
    {
        return pool.endpoints().stream().filter(e -> e.uri().getHost().equals(host)).findFirst().orElseThrow();
    }

    private static long at(Duration after)
    {
        return T0 + after.toNanos();
    }

    /** Picks {@code n} at {@code now}, each leased as a session (least-connections sees them), counted by host. */
    private static Map<String, Integer> picks(Pool pool, RequestKey key, int n, long now)
    {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++)
        {
            Endpoint endpoint = pool.pick(key, List.of(), now);
            endpoint.lease(true);
            counts.merge(endpoint.uri().getHost(), 1, Integer::sum);
        }
        return counts;
    }

    /** b fails at T0 and is ejected for 10 s: it comes back at T0 + 10 s. */
    private static long ejectB(Pool pool)
    {
        pool.reportFailure(endpoint(pool, "b"), T0);
        return at(FAIL_TIMEOUT);
    }

    @Test
    public void roundRobinShareRampsLinearlyAfterAnEjection()
    {
        Pool pool = pool(LoadBalancer.roundRobin(), "http://a:80, http://b:80");
        long back = ejectB(pool);
        // Just back: a weight of 1/1000 of a's, so 300 picks all go to a.
        assertEquals(Map.of("a", 300), picks(pool, RequestKey.NONE, 300, back + 1));
        // A quarter of the way: b weighs 1/4 of a, 60 of 300 within one (smooth round-robin follows the weights).
        int quarter = picks(pool, RequestKey.NONE, 300, back + SLOW_START.toNanos() / 4).getOrDefault("b", 0);
        assertTrue(Math.abs(quarter - 60) <= 1, "b took " + quarter);
        // Half way: a third.
        int half = picks(pool, RequestKey.NONE, 300, back + SLOW_START.toNanos() / 2).getOrDefault("b", 0);
        assertTrue(Math.abs(half - 100) <= 1, "b took " + half);
        // Done: even turns again.
        int full = picks(pool, RequestKey.NONE, 300, back + SLOW_START.toNanos()).getOrDefault("b", 0);
        assertTrue(Math.abs(full - 150) <= 1, "b took " + full);
    }

    @Test
    public void theFirstSnapshotStartsAtFullWeight()
    {
        Pool pool = pool(LoadBalancer.roundRobin(), "http://a:80, http://b:80");
        assertEquals(Map.of("a", 2, "b", 2), picks(pool, RequestKey.NONE, 4, 1));
    }

    @Test
    public void aBackendMarkedUpSlowStartsFromThatMoment()
    {
        Pool pool = pool(LoadBalancer.roundRobin(), "http://a:80, http://b:80");
        Endpoint b = endpoint(pool, "b");
        pool.markDown(b, "test");
        assertEquals(Map.of("a", 10), picks(pool, RequestKey.NONE, 10, T0));
        pool.markUp(b, "test", T0);
        assertEquals(Map.of("a", 300), picks(pool, RequestKey.NONE, 300, T0 + 1));
        int half = picks(pool, RequestKey.NONE, 300, T0 + SLOW_START.toNanos() / 2).getOrDefault("b", 0);
        assertTrue(Math.abs(half - 100) <= 1, "b took " + half);
    }

    @Test
    public void aBackendAddedAtRunTimeSlowStartsAndTheOthersKeepTheirWeight()
    {
        Pool pool = pool(LoadBalancer.roundRobin(), "http://a:80, http://b:80");
        // Added before the pool served anything (the pools file read at start-up): no slow start.
        pool.update(Params.backends("test", "http://a:80, http://b:80, http://d:80"), T0);
        assertEquals(Map.of("a", 1, "b", 1, "d", 1), picks(pool, RequestKey.NONE, 3, T0 + 1));
        // Added while serving: c slow-starts.
        pool.update(Params.backends("test", "http://a:80, http://b:80, http://c:80"), T0);
        Map<String, Integer> early = picks(pool, RequestKey.NONE, 300, T0 + 1);
        assertEquals(Map.of("a", 150, "b", 150), early);
        int quarter = picks(pool, RequestKey.NONE, 900, T0 + SLOW_START.toNanos() / 4).getOrDefault("c", 0);
        // c weighs 1/4 of a and of b: 1/9 of the picks.
        assertTrue(Math.abs(quarter - 100) <= 1, "c took " + quarter);
    }

    @Test
    public void leastConnectionsDoesNotSendEveryNewSessionToTheBackendThatCameBackEmpty()
    {
        Pool pool = pool(LoadBalancer.leastConnections(), "http://a:80, http://b:80");
        // a carries 20 sessions; b comes back with none.
        for (int i = 0; i < 20; i++)
            endpoint(pool, "a").lease(true);
        long back = ejectB(pool);
        // 1 % of the way: b weighs 1/100 of a. Without slow start the empty b would take all of the next 20.
        Map<String, Integer> early = picks(pool, RequestKey.NONE, 20, back + SLOW_START.toNanos() / 100);
        assertEquals(Map.of("a", 20), early);
        // Done: b (0 sessions) takes the next ones until the loads are even (a has 40 now).
        assertEquals(Map.of("b", 40), picks(pool, RequestKey.NONE, 40, back + SLOW_START.toNanos()));
        assertEquals(Map.of("a", 5, "b", 5), picks(pool, RequestKey.NONE, 10, back + SLOW_START.toNanos()));
    }

    @Test
    public void powerOfTwoWeighsTheBackendThatCameBack()
    {
        Pool pool = pool(LoadBalancer.powerOfTwoChoices(), "http://a:80, http://b:80");
        for (int i = 0; i < 20; i++)
            endpoint(pool, "a").lease(true);
        long back = ejectB(pool);
        assertEquals(Map.of("a", 20), picks(pool, RequestKey.NONE, 20, back + SLOW_START.toNanos() / 100));
    }

    @Test
    public void hashKeysComeBackGraduallyEachOnceAndAllAtTheEnd()
    {
        Pool pool = pool(LoadBalancer.headerHash("X-User"), "http://a:80, http://b:80, http://c:80");
        List<RequestKey> keys = new ArrayList<>();
        for (int i = 0; i < 3000; i++)
            keys.add(header("X-User", "user-" + i));
        Map<RequestKey, String> before = placement(pool, keys, 1);
        Set<RequestKey> ofB = new HashSet<>();
        before.forEach((k, host) -> { if (host.equals("b")) ofB.add(k); });
        long back = ejectB(pool);

        Set<RequestKey> previous = Set.of();
        for (int percent : new int[] {0, 30, 60, 100})
        {
            Map<RequestKey, String> now = placement(pool, keys, back + 1 + SLOW_START.toNanos() * percent / 100);
            Set<RequestKey> onB = new HashSet<>();
            now.forEach((k, host) -> { if (host.equals("b")) onB.add(k); });
            // Only b's own keys come back to it, and a key that came back stays.
            assertTrue(ofB.containsAll(onB), percent + "%");
            assertTrue(onB.containsAll(previous), percent + "%");
            // Keys of a and c never move.
            for (RequestKey k : keys)
            {
                if (!ofB.contains(k))
                    assertEquals(before.get(k), now.get(k));
            }
            double share = (double)onB.size() / ofB.size();
            assertTrue(Math.abs(share - percent / 100.0) < 0.06, percent + "%: " + share);
            previous = onB;
        }
        assertEquals(before, placement(pool, keys, back + SLOW_START.toNanos()));
    }

    private static Map<RequestKey, String> placement(Pool pool, List<RequestKey> keys, long now)
    {
        Map<RequestKey, String> placement = new HashMap<>();
        for (RequestKey key : keys)
            placement.put(key, pool.pick(key, List.of(), now).uri().getHost());
        return placement;
    }

    private static RequestKey header(String name, String value)
    {
        return new RequestKey()
        {
            @Override
            public String header(String n)
            {
                return n.equalsIgnoreCase(name) ? value : null;
            }
        };
    }
}
