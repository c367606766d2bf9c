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
        /** {@link #select(RequestKey, Predicate, Weights)} at the configured weights. */
        default Endpoint select(RequestKey key, Predicate<Member> eligible)
        {
            return select(key, eligible, Weights.CONFIGURED);
        }

        /**
         * @param key what the request offers to hash on
         * @param eligible which members may be chosen now (healthy, not draining, not tried yet)
         * @param weights each member's weight now, less than configured while it slow-starts
         * @return an eligible member's endpoint, or null when no member of this group is eligible
         */
        Endpoint select(RequestKey key, Predicate<Member> eligible, Weights weights);
    }

    /**
     * A member's weight at the time of one pick, in units of 1/{@link #SCALE} of a configured weight, so that a
     * slow start can ramp a weight of 1 in a thousand steps: the configured weight times {@code SCALE}, less
     * while the member slow-starts (never less than 1, so that it is never left out entirely).
     */
    @FunctionalInterface
    interface Weights
    {
        long SCALE = 1000;

        /** The configured weights: no member slow-starts. */
        Weights CONFIGURED = member -> member.weight() * SCALE;

        long of(Member member);

        /** How far the member's slow start has gone, from near 0 to 1 (done, or none). */
        default double ramp(Member member)
        {
            return Math.min(1.0, (double)of(member) / (member.weight() * SCALE));
        }
    }
}
