package org.wsproxy.upstream;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.util.thread.AutoLock;

/**
 * The cap on one backend's WebSocket handshakes in progress (from the backend connect to its answer), with
 * a bounded queue in front: what keeps a reconnect storm from reaching a backend all at once. A handshake
 * takes a {@link Ticket}: granted at once while fewer than {@code max} are in progress, else queued while
 * fewer than {@code queue} wait, else refused. Nothing blocks: a queued ticket's callback runs when a
 * handshake in progress ends and hands its place on, and a ticket whose deadline passed or whose client left
 * is {@link Ticket#cancel() cancelled} out of the queue. With {@code max} 0 every ticket is granted (only counted).
 */
public final class HandshakeGate
{
    /** Where a ticket stands; moves only forward, under the gate's lock. */
    public enum State
    {
        NEW, GRANTED, QUEUED, REFUSED, CANCELLED, RELEASED
    }

    private final int max;
    private final int queueMax;
    private final AutoLock lock = new AutoLock();
    // Guarded by lock. Insertion-ordered (first come, first granted), and a cancelled ticket leaves in O(1).
    private final LinkedHashSet<Ticket> queue = new LinkedHashSet<>();
    // Guarded by lock: granted tickets not released yet.
    private int active;
    private int peak;
    private final AtomicLong queueFull = new AtomicLong();
    private final AtomicLong queueTimeouts = new AtomicLong();

    /**
     * @param max handshakes in progress at once, 0 for no cap
     * @param queue how many may wait, 0 for none
     */
    public HandshakeGate(int max, int queue)
    {
        this.max = max;
        this.queueMax = queue;
    }

    /**
     * A ticket for one handshake; {@link Ticket#enter()} it.
     *
     * @param onGrant run once, on the thread that freed the place, when a queued ticket is granted (never when
     * {@code enter()} grants at once): it must not block, and must {@link Ticket#release()} in the end
     */
    public Ticket ticket(Runnable onGrant)
    {
        return new Ticket(onGrant);
    }

    /** Handshakes in progress (granted, not released). */
    public int active()
    {
        try (AutoLock ignored = lock.lock())
        {
            return active;
        }
    }

    /** The most handshakes in progress at once since start-up. */
    public int peak()
    {
        try (AutoLock ignored = lock.lock())
        {
            return peak;
        }
    }

    /** Handshakes waiting for a place. */
    public int queued()
    {
        try (AutoLock ignored = lock.lock())
        {
            return queue.size();
        }
    }

    /** Handshakes refused because the queue was full. */
    public long refusedQueueFull()
    {
        return queueFull.get();
    }

    /** Handshakes refused because they waited in the queue until their deadline. */
    public long refusedQueueTimeout()
    {
        return queueTimeouts.get();
    }

    public int max()
    {
        return max;
    }

    @Override
    public String toString()
    {
        try (AutoLock ignored = lock.lock())
        {
            return "HandshakeGate[" + active + "/" + (max == 0 ? "unlimited" : max) + " queued=" + queue.size() + "/" + queueMax + "]";
        }
    }

    public final class Ticket
    {
        private final Runnable onGrant;
        // Written under the gate's lock, read anywhere.
        private volatile State state = State.NEW;

        private Ticket(Runnable onGrant)
        {
            this.onGrant = onGrant;
        }

        /** @return GRANTED (go ahead), QUEUED (the callback will say when), or REFUSED (the queue is full) */
        public State enter()
        {
            State result;
            try (AutoLock ignored = lock.lock())
            {
                if (state != State.NEW)
                    throw new IllegalStateException("entered twice: " + this);
                if (max == 0 || active < max)
                {
                    active++;
                    peak = Math.max(peak, active);
                    result = State.GRANTED;
                }
                else if (queue.size() < queueMax)
                {
                    queue.add(this);
                    result = State.QUEUED;
                }
                else
                    result = State.REFUSED;
                state = result;
            }
            if (result == State.REFUSED)
                queueFull.incrementAndGet();
            return result;
        }

        /**
         * Takes a queued ticket out of the queue (its deadline passed, or its client left).
         *
         * @param timedOut count it as refused for waiting too long
         * @return true when it was still waiting, so it will never be granted; false when granted (or ended) already
         */
        public boolean cancel(boolean timedOut)
        {
            try (AutoLock ignored = lock.lock())
            {
                if (state != State.QUEUED)
                    return false;
                queue.remove(this);
                state = State.CANCELLED;
            }
            if (timedOut)
                queueTimeouts.incrementAndGet();
            return true;
        }

        /** The handshake ended (either way): its place goes to the first queued ticket. Once; a no-op otherwise. */
        public void release()
        {
            Ticket next = null;
            try (AutoLock ignored = lock.lock())
            {
                if (state != State.GRANTED)
                    return;
                state = State.RELEASED;
                Iterator<Ticket> first = queue.iterator();
                if (first.hasNext())
                {
                    next = first.next();
                    first.remove();
                    next.state = State.GRANTED;
                }
                else
                    active--;
            }
            // Outside the lock: the callback starts a handshake.
            if (next != null)
                next.onGrant.run();
        }

        public State state()
        {
            return state;
        }

        @Override
        public String toString()
        {
            return "Ticket[" + state + "]";
        }
    }
}
