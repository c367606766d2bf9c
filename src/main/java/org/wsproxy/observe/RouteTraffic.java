package org.wsproxy.observe;

import java.util.HashSet;
import java.util.Set;

import org.eclipse.jetty.util.thread.AutoLock;
import org.wsproxy.relay.Relay;
import org.wsproxy.relay.Side;

/**
 * Frames and bytes relayed on one route, per direction: the totals of the sessions that ended plus what the
 * live ones have relayed so far, read from the relay's own per-hop fields at scrape time. A session is
 * folded into the totals and dropped from the live set under one lock, so a scrape never sees it twice or
 * not at all and the counters only go up. The relay itself takes no lock per frame.
 */
final class RouteTraffic
{
    private final AutoLock lock = new AutoLock();
    private final Set<Relay> live = new HashSet<>();
    // Indexed by Side.ordinal() of the hop the frames were read from: CLIENT is client to backend.
    private final long[] endedFrames = new long[2];
    private final long[] endedBytes = new long[2];

    void opened(Relay relay)
    {
        try (AutoLock ignored = lock.lock())
        {
            live.add(relay);
        }
    }

    void closed(Relay relay)
    {
        try (AutoLock ignored = lock.lock())
        {
            if (!live.remove(relay))
                return;
            for (Side side : Side.values())
            {
                endedFrames[side.ordinal()] += relay.frames(side);
                endedBytes[side.ordinal()] += relay.bytes(side);
            }
        }
    }

    /** Frames read from {@code from} and relayed, ended and live sessions together. */
    double frames(Side from)
    {
        try (AutoLock ignored = lock.lock())
        {
            long total = endedFrames[from.ordinal()];
            for (Relay relay : live)
                total += relay.frames(from);
            return total;
        }
    }

    double bytes(Side from)
    {
        try (AutoLock ignored = lock.lock())
        {
            long total = endedBytes[from.ordinal()];
            for (Relay relay : live)
                total += relay.bytes(from);
            return total;
        }
    }
}
