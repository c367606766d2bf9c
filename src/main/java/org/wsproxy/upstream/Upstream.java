package org.wsproxy.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
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
        long now = System.nanoTime();
        List<Endpoint> candidates = new ArrayList<>(endpoints.size());
        for (Endpoint endpoint : endpoints)
        {
            if (!exclude.contains(endpoint) && endpoint.isAvailable(now))
                candidates.add(endpoint);
        }
        if (candidates.isEmpty())
        {
            // Every endpoint failed recently: try them anyway rather than fail for certain.
            for (Endpoint endpoint : endpoints)
            {
                if (!exclude.contains(endpoint))
                    candidates.add(endpoint);
            }
        }
        if (candidates.isEmpty())
            return null;
        // Turning over the candidates (not all endpoints) gives live endpoints equal shares while one is skipped.
        return candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
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
