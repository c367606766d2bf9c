package org.wsproxy.guard;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The edge's answer to one request: admitted, holding the WebSocket session's place in the counts until
 * {@link #release()}, or refused with a {@link Refusal}.
 */
public final class Admission
{
    private static final Admission PASSED = new Admission(null, () -> { });

    private final Refusal refusal;
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();

    private Admission(Refusal refusal, Runnable release)
    {
        this.refusal = refusal;
        this.release = release;
    }

    /** Admitted, with nothing to give back (a plain HTTP request). */
    static Admission passed()
    {
        return PASSED;
    }

    /** Admitted; {@code release} gives the session's places back, once. */
    static Admission admitted(Runnable release)
    {
        return new Admission(null, release);
    }

    static Admission refused(Refusal refusal)
    {
        return new Admission(refusal, () -> { });
    }

    public boolean isAdmitted()
    {
        return refusal == null;
    }

    /** @return why it was refused, or null when admitted */
    public Refusal refusal()
    {
        return refusal;
    }

    /**
     * Gives the session's places back (total and per client): when the handshake failed, or when both hops of the
     * relay have closed. Any later call does nothing, so every path that ends a session may call it.
     */
    public void release()
    {
        if (released.compareAndSet(false, true))
            release.run();
    }

    @Override
    public String toString()
    {
        return refusal == null ? "Admission[admitted]" : "Admission[refused " + refusal + "]";
    }
}
