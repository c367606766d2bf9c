package org.wsproxy.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the idle GC acts: once per quiet period after activity, never while traffic allocates, whether or not
 * that traffic fills the young generation (and so runs a collection) within an interval.
 */
class QuietAfterActivityTest
{
    private static final long INTERVAL_MS = 30_000;
    private static final long QUIET_PER_SECOND = 64 * 1024;
    private static final long QUIET_INTERVAL = QUIET_PER_SECOND * INTERVAL_MS / 1000;

    private final QuietAfterActivity quiet = new QuietAfterActivity(INTERVAL_MS, QUIET_PER_SECOND);
    private long allocated = 1_000_000;
    private long collections = 3;

    @Test
    void actsOnceAfterStartUpWhenQuietThenWaitsForActivity()
    {
        assertFalse(sample(0, 0), "the first sample only sets the baseline");
        assertTrue(sample(1000, 0), "start-up counts as activity");
        acted();
        for (int i = 0; i < 10; i++)
            assertFalse(sample(1000, 0), "quiet without a collection since it acted");
    }

    @Test
    void neverActsWhileTrafficAllocatesEvenWithoutACollection()
    {
        sample(0, 0);
        sample(0, 0);
        acted();
        // A young collection, then steady traffic too light to fill the young generation within an interval
        // (about 1 MiB/s here: 30 MiB per interval against 64 MiB), but well above the quiet threshold.
        assertFalse(sample(2 * QUIET_INTERVAL, 1));
        for (int i = 0; i < 20; i++)
            assertFalse(sample(15 * QUIET_INTERVAL, i % 2), "interval " + i + " of steady traffic");
        assertTrue(sample(0, 0), "the first quiet interval after the traffic");
        acted();
        assertFalse(sample(0, 0));
    }

    @Test
    void trafficBelowTheThresholdActsAtMostOncePerCollection()
    {
        sample(0, 0);
        sample(0, 0);
        acted();
        long light = QUIET_INTERVAL / 2;
        int acts = 0;
        // 64 MiB of young generation filled at half the threshold: a collection every 64 intervals.
        for (int i = 1; i <= 256; i++)
        {
            if (sample(light, i % 64 == 0 ? 1 : 0))
            {
                acts++;
                acted();
            }
        }
        assertTrue(acts <= 4, "acted " + acts + " times over 4 collections");
    }

    @Test
    void withoutAllocationCountsAQuietIntervalIsOneWithoutCollection()
    {
        QuietAfterActivity blind = new QuietAfterActivity(INTERVAL_MS, QUIET_PER_SECOND);
        assertFalse(blind.due(-1, 5));
        assertFalse(blind.due(-1, 6), "a collection in the interval");
        assertTrue(blind.due(-1, 6));
        blind.acted(-1, 7);
        assertFalse(blind.due(-1, 7));
        assertFalse(blind.due(-1, 8));
        assertTrue(blind.due(-1, 8));
    }

    private boolean sample(long allocatedInInterval, int collectionsInInterval)
    {
        allocated += allocatedInInterval;
        collections += collectionsInInterval;
        return quiet.due(allocated, collections);
    }

    private void acted()
    {
        collections++;
        quiet.acted(allocated, collections);
    }
}
