package org.wsproxy.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Counts a load's errors and keeps the first one's description, to be shown in the table. */
final class Errors
{
    private final AtomicLong count = new AtomicLong();
    private final AtomicReference<String> first = new AtomicReference<>("");

    void add(String what)
    {
        count.incrementAndGet();
        first.compareAndSet("", what);
    }

    void add(String what, Throwable failure)
    {
        add(what + ": " + failure);
    }

    long count()
    {
        return count.get();
    }

    String first()
    {
        return first.get();
    }
}
