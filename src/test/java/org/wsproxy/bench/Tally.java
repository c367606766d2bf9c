package org.wsproxy.bench;

/** Where a connection reports each checked echo, and asks whether to keep sending. */
interface Tally
{
    /** One message or response came back intact after {@code nanos}; {@code work} is what it counts for. */
    void done(Latencies recorder, long nanos, long work);

    boolean running();
}
