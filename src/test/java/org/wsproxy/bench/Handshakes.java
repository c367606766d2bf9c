package org.wsproxy.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * Opens many WebSockets with a bounded number of handshakes in flight, the way a crowd of clients
 * arrives, recording each handshake's time. Failures are counted as errors.
 */
final class Handshakes
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Handshakes()
    {
    }

    /**
     * Connects every listener and returns when all handshakes ended (or {@link #TIMEOUT} passed).
     *
     * @return how many opened
     */
    static int open(WebSocketClient client, URI uri, List<? extends Session.Listener> listeners, int inFlight,
                    Latencies latencies, Errors errors) throws InterruptedException
    {
        Semaphore permits = new Semaphore(inFlight);
        AtomicInteger opened = new AtomicInteger();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long lastProgress = System.nanoTime();
        for (Session.Listener listener : listeners)
        {
            if (!permits.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS))
                break;
            long start = System.nanoTime();
            try
            {
                client.connect(listener, uri).whenComplete((session, failure) ->
                {
                    if (failure == null)
                    {
                        synchronized (latencies)
                        {
                            latencies.record(System.nanoTime() - start);
                        }
                        opened.incrementAndGet();
                    }
                    else
                    {
                        errors.add("handshake", failure);
                    }
                    permits.release();
                });
            }
            catch (Exception x)
            {
                errors.add("handshake", x);
                permits.release();
            }
            if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(1))
            {
                lastProgress = System.nanoTime();
                LoadDriver.progress(String.format("opening: %,d of %,d open, errors %d", opened.get(), listeners.size(), errors.count()));
            }
        }
        // All permits back: every handshake has ended one way or the other.
        if (!permits.tryAcquire(inFlight, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS))
            errors.add("handshakes still pending after " + TIMEOUT.toSeconds() + " s");
        else
            permits.release(inFlight);
        return opened.get();
    }
}
