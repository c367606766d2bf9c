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
