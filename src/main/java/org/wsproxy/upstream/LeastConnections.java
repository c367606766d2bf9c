package org.wsproxy.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The eligible member with the least load (live WebSocket sessions plus HTTP requests in flight) per unit
 * of weight, what HAProxy recommends for long sessions. Ties go round the members in turn, so an idle
 * pool is still spread evenly. The load compared is the load a pick would make (one more, as Envoy's least
 * request does): with the bare load, an empty backend that just came back would win every pick whatever its
 * weight, and take a whole reconnect storm at once; counted this way, one slow-starting at a tenth of its
 * weight is chosen once the others carry ten times its load.
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
    public Endpoint select(RequestKey key, Predicate<Member> eligible, LoadBalancer.Weights weights)
    {
        int n = members.length;
        int first = Math.floorMod(start.getAndIncrement(), n);
        Member best = null;
        long bestLoad = 0;
        long bestWeight = 1;
        for (int k = 0; k < n; k++)
        {
            Member member = members[(first + k) % n];
            if (!eligible.test(member))
                continue;
            long load = member.endpoint().load() + 1L;
            long weight = weights.of(member);
            // load / weight < bestLoad / bestWeight, without division (loads below 2^31, weights below 2^20).
            if (best == null || load * bestWeight < bestLoad * weight)
            {
                best = member;
                bestLoad = load;
                bestWeight = weight;
            }
        }
        return best == null ? null : best.endpoint();
    }
}
