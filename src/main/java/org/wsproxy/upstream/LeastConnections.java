package org.wsproxy.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The eligible member with the least load (live WebSocket sessions plus HTTP requests in flight) per unit
 * of weight, what HAProxy recommends for long sessions. Ties go round the members in turn, so an idle
 * pool is still spread evenly.
 */
final class LeastConnections implements LoadBalancer.Selector
{
    static final LoadBalancer FACTORY = new LoadBalancer()
    {
        @Override
        public LoadBalancer.Selector prepare(List<Member> members)
        {
            return new LeastConnections(members);
        }

        @Override
        public String name()
        {
            return "least-connections";
        }
    };

    private final Member[] members;
    private final AtomicInteger start = new AtomicInteger();

    LeastConnections(List<Member> members)
    {
        this.members = members.toArray(Member[]::new);
    }

    @Override
    public Endpoint select(RequestKey key, Predicate<Member> eligible)
    {
        int n = members.length;
        int first = Math.floorMod(start.getAndIncrement(), n);
        Member best = null;
        long bestLoad = 0;
        for (int k = 0; k < n; k++)
        {
            Member member = members[(first + k) % n];
            if (!eligible.test(member))
                continue;
            long load = member.endpoint().load();
            // load / weight < bestLoad / best.weight, without division.
            if (best == null || load * best.weight() < bestLoad * member.weight())
            {
                best = member;
                bestLoad = load;
            }
        }
        return best == null ? null : best.endpoint();
    }
}
