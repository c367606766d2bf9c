package org.wsproxy.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Consistent hashing with Google's Maglev lookup table (as in Envoy's maglev load balancer): each member
 * fills the table's slots in its own pseudo-random order, in turns proportional to its weight, until the
 * table is full; a key's member is the one in slot {@code hash(key) mod size}.
 * <ul>
 * <li>Removing one of N members moves about 1/N of the keys: slots of the others mostly stay theirs.</li>
 * <li>The table depends only on the members' URLs and weights (hashed with a fixed function, sorted by URL),
 * so two proxy instances with the same configuration send the same key to the same backend.</li>
 * <li>A member that is not eligible now (ejected, down, draining, already tried) is walked past to the next
 * slot, without rebuilding: its keys spread over the others, every other key stays where it was.</li>
 * <li>A request without the key (no such header, cookie, parameter) is balanced round-robin.</li>
 * <li>Slow start cannot change the table (it would move keys between the other members); it admits keys
 * instead: a member that slow-starts at fraction f of its ramp takes only the keys whose own second hash, read
 * as a number in [0, 1), is below f, the others walk on as if it were not eligible. Keys come back to it
 * gradually, each exactly once (no key flaps between two backends during the ramp), and two proxy instances
 * with the same clock readings agree. When every eligible member refuses the key, the first one takes it.</li>
 * </ul>
 */
final class Maglev implements LoadBalancer.Selector
{
    /** A prime well above 100 × the members of any sane pool, Envoy's default. */
    static final int TABLE_SIZE = 65537;

    static LoadBalancer factory(String name, Function<RequestKey, String> keyOf)
    {
        return new LoadBalancer()
        {
            @Override
            public LoadBalancer.Selector prepare(List<Member> members)
            {
                return new Maglev(members, keyOf);
            }

            @Override
            public String name()
            {
                return name;
            }
        };
    }

    private final Member[] table;
    private final Member[] members;
    private final Function<RequestKey, String> keyOf;
    private final RoundRobin unkeyed;

    Maglev(List<Member> members, Function<RequestKey, String> keyOf)
    {
        this.members = members.toArray(Member[]::new);
        this.keyOf = keyOf;
        this.unkeyed = new RoundRobin(members);
        this.table = build(members.stream().sorted(Comparator.comparing(m -> m.endpoint().key())).toList());
    }

    private static Member[] build(List<Member> members)
    {
        int n = members.size();
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] target = new long[n];
        int maxWeight = 1;
        for (int i = 0; i < n; i++)
        {
            byte[] key = members.get(i).endpoint().key().getBytes(StandardCharsets.UTF_8);
            offset[i] = Long.remainderUnsigned(hash(key, 0x9E3779B97F4A7C15L), TABLE_SIZE);
            skip[i] = Long.remainderUnsigned(hash(key, 0xC2B2AE3D27D4EB4FL), TABLE_SIZE - 1) + 1;
            maxWeight = Math.max(maxWeight, members.get(i).weight());
        }
        Member[] table = new Member[TABLE_SIZE];
        int filled = 0;
        for (long iteration = 1; filled < TABLE_SIZE; iteration++)
        {
            for (int i = 0; i < n && filled < TABLE_SIZE; i++)
            {
                // A member of the largest weight places a slot every round, one of a third of it every third round.
                if (iteration * members.get(i).weight() < target[i])
                    continue;
                target[i] += maxWeight;
                int slot = (int)((offset[i] + skip[i] * next[i]) % TABLE_SIZE);
                while (table[slot] != null)
                {
                    next[i]++;
                    slot = (int)((offset[i] + skip[i] * next[i]) % TABLE_SIZE);
                }
                table[slot] = members.get(i);
                next[i]++;
                filled++;
            }
        }
        return table;
    }

    @Override
    public Endpoint select(RequestKey key, Predicate<Member> eligible, LoadBalancer.Weights weights)
    {
        String value = keyOf.apply(key);
        if (value == null)
            return unkeyed.select(key, eligible, weights);
        boolean any = false;
        for (Member member : members)
        {
            if (eligible.test(member))
            {
                any = true;
                break;
            }
        }
        if (!any)
            return null;
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        int slot = (int)Long.remainderUnsigned(hash(bytes, 0), TABLE_SIZE);
        double admission = -1;
        Member first = null;
        for (int k = 0; k < TABLE_SIZE; k++)
        {
            Member member = table[(slot + k) % TABLE_SIZE];
            if (!eligible.test(member))
                continue;
            if (first == null)
                first = member;
            double ramp = weights.ramp(member);
            if (ramp >= 1.0)
                return member.endpoint();
            if (admission < 0)
                admission = (hash(bytes, ADMISSION_SEED) >>> 11) * 0x1.0p-53;
            if (admission < ramp)
                return member.endpoint();
        }
        return first == null ? null : first.endpoint();
    }

    /** The seed of the second hash that decides whether a slow-starting member admits a key. Fixed forever. */
    private static final long ADMISSION_SEED = 0x5851F42D4C957F2DL;

    /** 64-bit FNV-1a with a seed, then the SplitMix64 finaliser so that nearby keys land far apart. Fixed forever. */
    static long hash(byte[] bytes, long seed)
    {
        long h = 0xCBF29CE484222325L ^ seed;
        for (byte b : bytes)
        {
            h ^= b & 0xFF;
            h *= 0x100000001B3L;
        }
        h ^= h >>> 30;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 27;
        h *= 0x94D049BB133111EBL;
        h ^= h >>> 31;
        return h;
    }
}
