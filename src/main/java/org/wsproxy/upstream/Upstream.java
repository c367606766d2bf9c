package org.wsproxy.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A set of interchangeable endpoints with round-robin selection that skips endpoints which failed
 * a connect recently (like nginx's {@code max_fails=1 fail_timeout=10s}). When every endpoint is
 * skipped, selection ignores the skips rather than refusing: trying a maybe-recovered backend is
 * better than failing for certain.
 */
public final class Upstream
{
    private final String name;
    private final List<Endpoint> endpoints;
    private final long backoffNanos;
    private final AtomicInteger next = new AtomicInteger();

    public Upstream(String name, List<URI> uris, Duration backoff)
    {
        this.name = name;
        this.endpoints = uris.stream().map(Endpoint::new).toList();
        this.backoffNanos = backoff.toNanos();
    }

    public String name()
    {
        return name;
    }

    public List<Endpoint> endpoints()
    {
        return endpoints;
    }

    /**
     * @param exclude endpoints already tried for this request (may be empty)
     * @return the next endpoint in turn, preferring ones not recently failed; null when all are excluded
     */
    public Endpoint select(List<Endpoint> exclude)
    {
        int size = endpoints.size();
        int start = Math.floorMod(next.getAndIncrement(), size);
        long now = System.nanoTime();
        Endpoint fallback = null;
        for (int i = 0; i < size; i++)
        {
            Endpoint endpoint = endpoints.get((start + i) % size);
            if (exclude.contains(endpoint))
                continue;
            if (endpoint.isAvailable(now))
                return endpoint;
            if (fallback == null)
                fallback = endpoint;
        }
        return fallback;
    }

    /** The data path reports a connect or handshake failure to this endpoint. */
    public void reportFailure(Endpoint endpoint)
    {
        endpoint.failed(System.nanoTime(), backoffNanos);
    }

    /** The data path reports a successful connect to this endpoint. */
    public void reportSuccess(Endpoint endpoint)
    {
        endpoint.succeeded();
    }

    /** How many tries one request may make: each endpoint once. */
    public int maxAttempts()
    {
        return endpoints.size();
    }

    @Override
    public String toString()
    {
        return "Upstream[" + name + " " + endpoints + "]";
    }
}
