package org.wsproxy.server;

/**
 * When {@link IdleGc} acts, decided from one sample per interval: the bytes the JVM has allocated so far and
 * the collections it has run so far. It is due when the last interval was quiet, fewer than
 * {@code quietBytesPerSecond} allocated on average, and at least one collection ran since it last acted: only
 * a collection promotes objects into the old generation, so without one there is nothing new to give back.
 * <p>So it never acts while traffic flows: relaying allocates for every message and request, far more than
 * the threshold (64 KiB/s by default, a few dozen small messages a second). Under traffic lighter than that it
 * acts at most once per collection, and the young generation (64 MiB in start.d/jvm.ini) then fills at most
 * every 64 MiB / 64 KiB/s = 17 minutes. A JVM that cannot count allocated bytes (allocated given as a negative
 * number) counts as quiet over an interval without any collection, a weaker test: traffic too light to fill
 * the young generation within an interval then looks quiet too.</p>
 * <p>Not thread-safe: one caller, the scheduled check.</p>
 */
final class QuietAfterActivity
{
    private final long intervalMillis;
    private final long quietBytesPerSecond;
    private long allocated = Long.MIN_VALUE;
    private long collections = -1;
    private long collectionsWhenActed = -1;

    QuietAfterActivity(long intervalMillis, long quietBytesPerSecond)
    {
        this.intervalMillis = intervalMillis;
        this.quietBytesPerSecond = quietBytesPerSecond;
    }

    /**
     * Takes this interval's sample and says whether to act now.
     *
     * @param allocatedBytes the bytes allocated since the JVM started, or negative when not known
     * @param collectionCount the collections run since the JVM started, all collectors together
     */
    boolean due(long allocatedBytes, long collectionCount)
    {
        boolean quiet;
        if (allocated == Long.MIN_VALUE)
            quiet = false;
        else if (allocatedBytes < 0 || allocated < 0)
            quiet = collectionCount == collections;
        else
            quiet = (allocatedBytes - allocated) * 1000 < quietBytesPerSecond * intervalMillis;
        allocated = allocatedBytes;
        collections = collectionCount;
        return quiet && collectionCount != collectionsWhenActed;
    }

    /** Records that it acted; {@code collectionCount} counts the collection it ran. */
    void acted(long allocatedBytes, long collectionCount)
    {
        allocated = allocatedBytes;
        collections = collectionCount;
        collectionsWhenActed = collectionCount;
    }
}
