package org.wsproxy.guard;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * New handshakes per second per client address, a token bucket per address (HAProxy's {@code sc_conn_rate},
 * nginx's {@code limit_req} with {@code burst}): {@code burst} tokens to start with, {@code rate} more per
 * second up to {@code burst}, one taken by each handshake. A bucket that has filled up again is the same as
 * none, so it is dropped: a sweep at most once a second removes those, and the map holds only the addresses
 * seen within the last {@code burst / rate} seconds or so.
 */
final class HandshakeRate
{
    private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final double rate;
    private final double burst;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep;

    /** @param clock monotonic nanoseconds ({@code System::nanoTime}; made up in tests) */
    HandshakeRate(int rate, int burst, LongSupplier clock)
    {
        this.rate = rate;
        this.burst = burst;
        this.clock = clock;
        this.nextSweep = new AtomicLong(clock.getAsLong() + SWEEP_NANOS);
    }

    /** Takes a token from the address's bucket; false when it has none left. */
    boolean tryAcquire(String client)
    {
        long now = clock.getAsLong();
        sweep(now);
        boolean[] taken = new boolean[1];
        buckets.compute(client, (address, bucket) ->
        {
            Bucket current = bucket == null ? new Bucket(burst, now) : bucket;
            current.refill(now);
            if (current.tokens >= 1)
            {
                current.tokens -= 1;
                taken[0] = true;
            }
            return current;
        });
        return taken[0];
    }

    private void sweep(long now)
    {
        long due = nextSweep.get();
        if (now - due < 0 || !nextSweep.compareAndSet(due, now + SWEEP_NANOS))
            return;
        // Full buckets hold nothing an absent one would not: dropped, each under its entry's lock.
        buckets.forEach((address, ignored) -> buckets.computeIfPresent(address, (a, bucket) ->
        {
            bucket.refill(now);
            return bucket.tokens >= burst ? null : bucket;
        }));
    }

    /** The addresses with a bucket now. */
    int size()
    {
        return buckets.size();
    }

    /** Mutated only inside the map's compute functions, which hold the entry's lock. */
    private final class Bucket
    {
        private double tokens;
        private long updated;

        private Bucket(double tokens, long now)
        {
            this.tokens = tokens;
            this.updated = now;
        }

        void refill(long now)
        {
            long elapsed = now - updated;
            if (elapsed <= 0)
                return;
            tokens = Math.min(burst, tokens + rate * elapsed / 1e9);
            updated = now;
        }
    }

    @Override
    public String toString()
    {
        return "HandshakeRate[" + rate + "/s burst " + burst + ", addresses=" + buckets.size() + "]";
    }
}
