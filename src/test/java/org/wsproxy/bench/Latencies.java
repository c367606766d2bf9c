package org.wsproxy.bench;

import java.util.Arrays;

/**
 * Every latency sample of one connection, in nanoseconds, kept whole so that percentiles are exact.
 * Not thread-safe: a connection records from one thread at a time (its reads are serialised by
 * demand); {@link #merge} combines connections at the end.
 */
final class Latencies
{
    private long[] samples = new long[1024];
    private int count;

    void record(long nanos)
    {
        if (count == samples.length)
            samples = Arrays.copyOf(samples, count * 2);
        samples[count++] = nanos;
    }

    int count()
    {
        return count;
    }

    static Latencies merge(Iterable<Latencies> parts)
    {
        Latencies all = new Latencies();
        for (Latencies part : parts)
        {
            synchronized (part)
            {
                for (int i = 0; i < part.count; i++)
                    all.record(part.samples[i]);
            }
        }
        Arrays.sort(all.samples, 0, all.count);
        return all;
    }

    /** The given percentile (0 to 100) of a merged, hence sorted, set; 0 when empty. */
    long percentile(double percent)
    {
        if (count == 0)
            return 0;
        int index = (int)Math.ceil(percent / 100 * count) - 1;
        return samples[Math.max(0, Math.min(count - 1, index))];
    }
}
