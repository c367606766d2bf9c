package org.wsproxy.guard;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Live WebSocket sessions per client address on one route (nginx's {@code limit_conn}, counted on sessions):
 * an address is forgotten when its last session ends, so the map holds only addresses with live sessions.
 */
final class SessionsPerClient
{
    private final int max;
    private final ConcurrentHashMap<String, int[]> counts = new ConcurrentHashMap<>();

    SessionsPerClient(int max)
    {
        this.max = max;
    }

    /** Counts a session for the address; false, and nothing counted, when it holds {@code max} already. */
    boolean tryAcquire(String client)
    {
        boolean[] taken = new boolean[1];
        counts.compute(client, (address, count) ->
        {
            int[] current = count == null ? new int[1] : count;
            if (current[0] < max)
            {
                current[0]++;
                taken[0] = true;
            }
            return current[0] == 0 ? null : current;
        });
        return taken[0];
    }

    void release(String client)
    {
        counts.computeIfPresent(client, (address, count) -> --count[0] > 0 ? count : null);
    }

    /** The addresses with live sessions now. */
    int size()
    {
        return counts.size();
    }

    @Override
    public String toString()
    {
        return "SessionsPerClient[max=" + max + ", addresses=" + counts.size() + "]";
    }
}
