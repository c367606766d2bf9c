package org.wsproxy.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many requests each client address has whose bodies are being received (nginx {@code limit_conn}, counted
 * on uploads only): one address cannot hold more than {@code max} bodies in progress, so it cannot take the
 * proxy's memory or, through bodies longer than the buffer, a backend's connections, however slowly it sends.
 * An address is forgotten when its last body ends.
 */
final class UploadsPerClient
{
    enum Admission
    {
        /** Counted: the caller must {@link #release(String)} when the body has ended. */
        ADMITTED,
        /** Refused, the first time since the address reached the limit: worth a log line. */
        REFUSED,
        /** Refused again in the same burst. */
        REFUSED_AGAIN
    }

    private final int max;
    private final ConcurrentHashMap<String, Count> counts = new ConcurrentHashMap<>();

    UploadsPerClient(int max)
    {
        this.max = max;
    }

    Admission acquire(String client)
    {
        Admission[] admission = new Admission[1];
        counts.compute(client, (address, count) ->
        {
            Count current = count == null ? new Count() : count;
            if (current.inProgress < max)
            {
                current.inProgress++;
                admission[0] = Admission.ADMITTED;
            }
            else
            {
                admission[0] = current.refused++ == 0 ? Admission.REFUSED : Admission.REFUSED_AGAIN;
            }
            return current;
        });
        return admission[0];
    }

    void release(String client)
    {
        counts.computeIfPresent(client, (address, count) ->
        {
            count.inProgress--;
            if (count.inProgress > 0)
                return count;
            return null;
        });
    }

    int max()
    {
        return max;
    }

    /** Mutated only inside the map's compute functions, which hold the entry's lock. */
    private static final class Count
    {
        private int inProgress;
        private int refused;
    }

    @Override
    public String toString()
    {
        return "UploadsPerClient[max=" + max + ", addresses=" + counts.size() + "]";
    }
}
