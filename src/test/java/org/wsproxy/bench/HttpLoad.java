package org.wsproxy.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Workload (e): {@code concurrency} clients each sending {@code GET /page} again as soon as the previous
 * answer came, over kept-alive connections, every answer checked (status 200, the backend's page).
 */
final class HttpLoad extends SteadyLoad
{
    private static final long REQUEST_TIMEOUT_SECONDS = 30;

    private final URI uri;
    private final int concurrency;
    private final HttpClient client = new HttpClient();
    private final AtomicInteger inFlight = new AtomicInteger();

    HttpLoad(URI uri, int concurrency, Duration warmup, Duration duration, ProcessProbe probe)
    {
        super(warmup, duration, probe, "req", 1);
        this.uri = uri;
        this.concurrency = concurrency;
    }

    @Override
    protected void open() throws Exception
    {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("bench-http");
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(concurrency);
        client.setFollowRedirects(false);
        client.start();
        // One request before the clock starts, as the WebSocket loads open their connections first: a first request
        // (class loading, the first connection) took longer than a short run's warm-up and window on a loaded machine.
        ContentResponse first = client.newRequest(uri).timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).send();
        if (first.getStatus() != 200)
            errors.add("status " + first.getStatus() + " to the first request");
    }

    @Override
    protected void start()
    {
        for (int i = 0; i < concurrency; i++)
            send(newLatencies());
    }

    private void send(Latencies latencies)
    {
        inFlight.incrementAndGet();
        long start = System.nanoTime();
        client.newRequest(uri).timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).send(new BufferingResponseListener()
        {
            @Override
            public void onComplete(org.eclipse.jetty.client.Result result)
            {
                long nanos = System.nanoTime() - start;
                if (result.isFailed())
                    errors.add("request", result.getFailure());
                else if (result.getResponse().getStatus() != 200)
                    errors.add("status " + result.getResponse().getStatus());
                else if (!BenchBackend.PAGE.equals(getContentAsString(StandardCharsets.UTF_8)))
                    errors.add("the page came back changed");
                else
                    done(latencies, nanos, 1);
                inFlight.decrementAndGet();
                if (running())
                    send(latencies);
            }
        });
    }

    @Override
    protected boolean drained()
    {
        return inFlight.get() == 0;
    }

    @Override
    protected void close() throws Exception
    {
        if (inFlight.get() > 0)
            errors.add(inFlight.get() + " requests never answered");
        client.stop();
    }
}
