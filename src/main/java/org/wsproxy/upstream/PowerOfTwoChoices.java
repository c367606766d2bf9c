package org.wsproxy.upstream;

import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Two eligible members drawn at random, the less loaded (per unit of weight) wins: nearly as even as
 * least-connections, without every proxy instance sending its next burst to the same least-loaded backend.
 */
final class PowerOfTwoChoices implements LoadBalancer.Selector
{
    static LoadBalancer factory(Supplier<Random> random)
    {
        return new LoadBalancer()
        {
            @Override
            public LoadBalancer.Selector prepare(List<Member> members)
            {
                return new PowerOfTwoChoices(members, random);
            }

            @Override
            public String name()
            {
                return "power-of-two";
            }
        };
    }

    static final LoadBalancer FACTORY = factory(ThreadLocalRandom::current);

    private final Member[] members;
    private final Supplier<Random> random;

    PowerOfTwoChoices(List<Member> members, Supplier<Random> random)
    {
        this.members = members.toArray(Member[]::new);
        this.random = random;
    }

    @Override
    public Endpoint select(RequestKey key, Predicate<Member> eligible, LoadBalancer.Weights weights)
    {
        Member[] candidates = new Member[members.length];
        int count = 0;
        for (Member member : members)
        {
            if (eligible.test(member))
                candidates[count++] = member;
        }
        if (count == 0)
            return null;
        if (count == 1)
            return candidates[0].endpoint();
        Random rnd = random.get();
        int i = rnd.nextInt(count);
        int j = rnd.nextInt(count - 1);
        if (j >= i)
            ++j;
        Member a = candidates[i];
        Member b = candidates[j];
        // The load a pick would make, per unit of weight now (see LeastConnections for the one more).
        long loadA = (a.endpoint().load() + 1L) * weights.of(b);
        long loadB = (b.endpoint().load() + 1L) * weights.of(a);
        return (loadA <= loadB ? a : b).endpoint();
    }
}
