package org.wsproxy.upstream;

import java.util.List;
import java.util.function.Predicate;

/**
 * How a pool chooses among its eligible members, Armeria's EndpointSelectionStrategy shape: a factory
 * that {@link #prepare prepares} a {@link Selector} once per pool snapshot and group (primaries, backups),
 * so per-snapshot work (a hash table, weights) is done at reconfiguration, not per request.
 * Implementations are package-private; these static methods are the only way to get one.
 */
public interface LoadBalancer
{
    /** @param members one group of a snapshot, in configured order, never empty */
    Selector prepare(List<Member> members);

    /** The name used in the configuration and in logs. */
    String name();

    /** Smooth weighted round-robin, nginx's: weights 5,1,1 give a,a,b,a,c,a,a rather than a,a,a,a,a,b,c. */
    static LoadBalancer roundRobin()
    {
        return RoundRobin.FACTORY;
    }

    /** The least load (live WebSocket sessions plus HTTP requests in flight) per unit of weight; ties in turn. */
    static LoadBalancer leastConnections()
    {
        return LeastConnections.FACTORY;
    }

    /** Two eligible members at random, the less loaded per unit of weight wins. */
    static LoadBalancer powerOfTwoChoices()
    {
        return PowerOfTwoChoices.FACTORY;
    }

    /** Consistent hash (Maglev) of the client's IP address. */
    static LoadBalancer ipHash()
    {
        return Maglev.factory("ip-hash", RequestKey::clientAddress);
    }

    /** Consistent hash (Maglev) of a request header's value; requests without it are balanced round-robin. */
    static LoadBalancer headerHash(String name)
    {
        return Maglev.factory("header:" + name, key -> key.header(name));
    }

    /** Consistent hash (Maglev) of a cookie's value; requests without it are balanced round-robin. */
    static LoadBalancer cookieHash(String name)
    {
        return Maglev.factory("cookie:" + name, key -> key.cookie(name));
    }

    /** Consistent hash (Maglev) of a query parameter's value; requests without it are balanced round-robin. */
    static LoadBalancer queryHash(String name)
    {
        return Maglev.factory("query:" + name, key -> key.queryParameter(name));
    }

    /** The strategy a pool's configuration names. */
    static LoadBalancer of(org.wsproxy.config.BalancerConfig config)
    {
        return switch (config.kind())
        {
            case ROUND_ROBIN -> roundRobin();
            case LEAST_CONNECTIONS -> leastConnections();
            case POWER_OF_TWO -> powerOfTwoChoices();
            case IP_HASH -> ipHash();
            case HEADER -> headerHash(config.key());
            case COOKIE -> cookieHash(config.key());
            case QUERY -> queryHash(config.key());
        };
    }

    /** Chooses among one group's members for one request. */
    interface Selector
    {
        /**
         * @param key what the request offers to hash on
         * @param eligible which members may be chosen now (healthy, not draining, not tried yet)
         * @return an eligible member's endpoint, or null when no member of this group is eligible
         */
        Endpoint select(RequestKey key, Predicate<Member> eligible);
    }
}
