package org.wsproxy.upstream;

import java.util.List;
import java.util.function.Predicate;

import org.eclipse.jetty.util.thread.AutoLock;

/**
 * nginx's smooth weighted round-robin: every pick adds each eligible member's weight to its current
 * value, takes the largest and subtracts the total from it. Over any run the picks follow the weights
 * within one, interleaved. Members that are not eligible take no part, so while one is skipped the
 * others share its turns in proportion. Weights are read at each pick, so a member that slow-starts takes a
 * growing share of the turns.
 */
final class RoundRobin implements LoadBalancer.Selector
{
    static final LoadBalancer FACTORY = new LoadBalancer()
    {
        @Override
        public LoadBalancer.Selector prepare(List<Member> members)
        {
            return new RoundRobin(members);
        }

        @Override
        public String name()
        {
            return "round-robin";
        }
    };

    private final AutoLock lock = new AutoLock();
    private final Member[] members;
    // Guarded by lock.
    private final long[] current;

    RoundRobin(List<Member> members)
    {
        this.members = members.toArray(Member[]::new);
        this.current = new long[this.members.length];
    }

    @Override
    public Endpoint select(RequestKey key, Predicate<Member> eligible, LoadBalancer.Weights weights)
    {
        try (AutoLock ignored = lock.lock())
        {
            int best = -1;
            long total = 0;
            for (int i = 0; i < members.length; i++)
            {
                if (!eligible.test(members[i]))
                    continue;
                long weight = weights.of(members[i]);
                current[i] += weight;
                total += weight;
                if (best < 0 || current[i] > current[best])
                    best = i;
            }
            if (best < 0)
                return null;
            current[best] -= total;
            return members[best].endpoint();
        }
    }
}
