package org.wsproxy.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.wsproxy.config.Params;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each selection strategy without a network: least-connections and power-of-two follow the reported load,
 * the consistent hashes keep keys in place, move about 1/N of them when one of N backends goes, agree
 * between two independent pools, and fall back to round-robin when the request has no key.
 */
public class LoadBalancerTest
{
    private static final Duration LONG = Duration.ofHours(1);

    private static Pool pool(LoadBalancer balancer, String backends)
    {
        return new Pool("p", Params.backends("test", backends), balancer, PoolTest.passive(LONG));
    }

    private static String hosts(int n)
    {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < n; i++)
            urls.add("http://10.0.0." + (i + 1) + ":8080");
        return String.join(", ", urls);
    }

    private static Endpoint endpoint(Pool pool, String host)
    {
        return pool.endpoints().stream().filter(e -> e.uri().getHost().equals(host)).findFirst().orElseThrow();
    }

    private static String pick(Pool pool, RequestKey key)
    {
        return pool.pick(key, List.of()).uri().getHost();
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

    private static RequestKey client(String address)
    {
        return new RequestKey()
        {
            @Override
            public String clientAddress()
            {
                return address;
            }
        };
    }

    // ---- Least connections -----------------------------------------------------------------

    @Test
    public void leastConnectionsFollowsTheReportedLoad()
    {
        Pool pool = pool(LoadBalancer.leastConnections(), "http://a:80, http://b:80, http://c:80");
        List<Lease> leases = new ArrayList<>();
        // Idle pool: ties go round, one each.
        for (int i = 0; i < 3; i++)
            leases.add(pool.pick(RequestKey.NONE, List.of()).lease(true));
        assertEquals(List.of(1, 1, 1), pool.endpoints().stream().map(Endpoint::load).toList());
        // b's session ends: the next pick is b, the only one without load.
        Endpoint b = endpoint(pool, "b");
        leases.stream().filter(l -> l.endpoint() == b).forEach(Lease::release);
        assertEquals("b", pick(pool, RequestKey.NONE));
        // An HTTP request in flight counts as load too; with a at 2, b and c (1 each) take the next ones.
        b.lease(false);
        endpoint(pool, "a").lease(true);
        for (int i = 0; i < 10; i++)
            assertNotEquals("a", pick(pool, RequestKey.NONE));
    }

    @Test
    public void leastConnectionsWeighsLoadByWeight()
    {
        Pool pool = pool(LoadBalancer.leastConnections(), "http://big:80 weight=3, http://small:80");
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 40; i++)
        {
            Endpoint endpoint = pool.pick(RequestKey.NONE, List.of());
            endpoint.lease(true);
            counts.merge(endpoint.uri().getHost(), 1, Integer::sum);
        }
        // Sessions never end here, so the counts settle at load / weight equal: 30 and 10.
        assertTrue(Math.abs(counts.get("big") - 30) <= 1, counts.toString());
    }

    // ---- Power of two choices ----------------------------------------------------------------

    @Test
    public void powerOfTwoNeverPicksTheMostLoadedAndSpreadsTheRest()
    {
        Random seeded = new Random(42);
        Pool pool = pool(PowerOfTwoChoices.factory(() -> seeded), hosts(4));
        Endpoint busy = endpoint(pool, "10.0.0.1");
        for (int i = 0; i < 10; i++)
            busy.lease(true);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++)
        {
            Endpoint endpoint = pool.pick(RequestKey.NONE, List.of());
            counts.merge(endpoint.uri().getHost(), 1, Integer::sum);
            Lease lease = endpoint.lease(false);
            lease.release();
        }
        assertNull(counts.get("10.0.0.1"), counts.toString());
        for (String host : List.of("10.0.0.2", "10.0.0.3", "10.0.0.4"))
            assertTrue(counts.getOrDefault(host, 0) > 50, counts.toString());
    }

    @Test
    public void powerOfTwoWithOneEligibleTakesIt()
    {
        Pool pool = pool(LoadBalancer.powerOfTwoChoices(), "http://a:80, http://b:80");
        assertEquals("b", pool.pick(RequestKey.NONE, List.of(endpoint(pool, "a"))).uri().getHost());
    }

    // ---- Consistent hashing ---------------------------------------------------------------------

    @Test
    public void sameKeySameBackendAndKeysSpreadEvenly()
    {
        Pool pool = pool(LoadBalancer.headerHash("X-User"), hosts(4));
        Map<String, Integer> counts = new HashMap<>();
        for (int k = 0; k < 10_000; k++)
        {
            RequestKey key = header("x-user", "user-" + k);
            String first = pick(pool, key);
            assertEquals(first, pick(pool, key));
            counts.merge(first, 1, Integer::sum);
        }
        for (int count : counts.values())
            assertTrue(Math.abs(count - 2500) < 250, counts.toString());
    }

    @Test
    public void removingOneOfNBackendsMovesAboutOneNthOfTheKeys()
    {
        int n = 5;
        int keys = 20_000;
        Pool pool = pool(LoadBalancer.headerHash("X-User"), hosts(n));
        String[] before = new String[keys];
        for (int k = 0; k < keys; k++)
            before[k] = pick(pool, header("X-User", "user-" + k));

        // 10.0.0.3 is removed by a reconfiguration: a new Maglev table over the other four.
        pool.update(Params.backends("test", hosts(n).replace("http://10.0.0.3:8080, ", "")));
        int moved = 0;
        int movedFromOthers = 0;
        for (int k = 0; k < keys; k++)
        {
            String after = pick(pool, header("X-User", "user-" + k));
            if (!after.equals(before[k]))
            {
                moved++;
                if (!before[k].equals("10.0.0.3"))
                    movedFromOthers++;
            }
        }
        double share = moved / (double)keys;
        System.out.printf("consistent hash: removing 1 of %d backends moved %.2f%% of %d keys (1/N = %.2f%%), %d of them from remaining backends%n",
            n, share * 100, keys, 100.0 / n, movedFromOthers);
        assertTrue(share <= 1.0 / n + 0.03, "moved " + share);
        assertTrue(share >= 1.0 / n - 0.03, "moved " + share);
    }

    @Test
    public void anIneligibleBackendsKeysSpreadAndNoOtherKeyMoves()
    {
        Pool pool = pool(LoadBalancer.headerHash("X-User"), hosts(4));
        Endpoint gone = endpoint(pool, "10.0.0.2");
        Map<String, Integer> spread = new HashMap<>();
        for (int k = 0; k < 4000; k++)
        {
            RequestKey key = header("X-User", "user-" + k);
            String usual = pick(pool, key);
            String without = pool.pick(key, List.of(gone)).uri().getHost();
            if (usual.equals("10.0.0.2"))
                spread.merge(without, 1, Integer::sum);
            else
                assertEquals(usual, without);
        }
        assertEquals(3, spread.size(), spread.toString());
    }

    @Test
    public void twoIndependentPoolsWithTheSameBackendsAgreeWhateverTheOrder()
    {
        Pool one = pool(LoadBalancer.ipHash(), "http://a:80, http://b:80, http://c:80");
        Pool two = pool(LoadBalancer.ipHash(), "http://c:80, http://a:80, http://b:80");
        for (int k = 0; k < 2000; k++)
        {
            RequestKey key = client("192.0.2." + (k % 250) + "/" + k);
            assertEquals(pick(one, key), pick(two, key));
        }
        assertNotEquals(pick(one, client("192.0.2.1")), null);
    }

    @Test
    public void weightsShareTheHashTable()
    {
        Pool pool = pool(LoadBalancer.headerHash("X-User"), "http://a:80 weight=3, http://b:80");
        int a = 0;
        for (int k = 0; k < 8000; k++)
        {
            if (pick(pool, header("X-User", "u" + k)).equals("a"))
                a++;
        }
        assertTrue(Math.abs(a - 6000) < 300, "a got " + a);
    }

    @Test
    public void requestsWithoutTheKeyAreBalancedRoundRobin()
    {
        Pool pool = pool(LoadBalancer.cookieHash("room"), "http://a:80, http://b:80");
        assertEquals(List.of("a", "b", "a", "b"), List.of(pick(pool, RequestKey.NONE), pick(pool, RequestKey.NONE),
            pick(pool, RequestKey.NONE), pick(pool, RequestKey.NONE)));
    }

    @Test
    public void cookieAndQueryKeysAreHashed()
    {
        Pool cookie = pool(LoadBalancer.cookieHash("room"), hosts(3));
        Pool query = pool(LoadBalancer.queryHash("room"), hosts(3));
        Pool headerPool = pool(LoadBalancer.headerHash("room"), hosts(3));
        for (int k = 0; k < 200; k++)
        {
            String room = "r" + k;
            String viaCookie = pick(cookie, new RequestKey()
            {
                @Override
                public String cookie(String name)
                {
                    return name.equals("room") ? room : null;
                }
            });
            String viaQuery = pick(query, new RequestKey()
            {
                @Override
                public String queryParameter(String name)
                {
                    return name.equals("room") ? room : null;
                }
            });
            // The same value hashes to the same backend whichever part of the request carries it.
            assertEquals(viaCookie, viaQuery);
            assertEquals(viaCookie, pick(headerPool, header("room", room)));
        }
    }

    @Test
    public void backupsAreHashedAmongThemselvesWhenNoPrimaryIsEligible()
    {
        Pool pool = pool(LoadBalancer.headerHash("X-User"), "http://a:80, http://s1:80 backup, http://s2:80 backup");
        Endpoint a = endpoint(pool, "a");
        for (int k = 0; k < 50; k++)
        {
            RequestKey key = header("X-User", "u" + k);
            assertSame(a, pool.pick(key, List.of()));
            String backup = pool.pick(key, List.of(a)).uri().getHost();
            assertTrue(backup.startsWith("s"));
            assertEquals(backup, pool.pick(key, List.of(a)).uri().getHost());
        }
    }

    @Test
    public void balancerNamesComeFromTheConfig()
    {
        assertEquals("round-robin", LoadBalancer.of(org.wsproxy.config.BalancerConfig.ROUND_ROBIN).name());
        assertEquals("header:X-User", LoadBalancer.headerHash("X-User").name());
        assertEquals(URI.create("http://a:80"), pool(LoadBalancer.ipHash(), "http://a:80").pick(client("1.2.3.4"), List.of()).uri());
    }
}
