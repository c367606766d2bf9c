package org.wsproxy.route;

import java.time.Duration;

import org.wsproxy.config.RouteConfig;

/**
 * Where a matched request goes, by name only: the upstream that serves it and the per-route policy.
 * Which endpoint of the upstream, and whether it is healthy, is none of the route's business.
 */
public final class Route
{
    private final RouteConfig config;

    public Route(RouteConfig config)
    {
        this.config = config;
    }

    public String name()
    {
        return config.name();
    }

    /** The name of the pool serving this route. */
    public String pool()
    {
        return config.pool();
    }

    public String pathPrefix()
    {
        return config.pathPrefix();
    }

    public boolean websocket()
    {
        return config.websocket();
    }

    public Duration connectTimeout()
    {
        return config.connectTimeout();
    }

    public Duration idleTimeout()
    {
        return config.idleTimeout();
    }

    public Duration readTimeout()
    {
        return config.readTimeout();
    }

    /** How many backends one request may try, and for how long. */
    public org.wsproxy.config.RetryConfig retry()
    {
        return config.retry();
    }

    /** WebSocket: what the relay enforces on each session of this route (limits, keepalive). */
    public org.wsproxy.config.RelayPolicyConfig relayPolicy()
    {
        return config.relayPolicy();
    }

    boolean matches(String path)
    {
        return path.startsWith(config.pathPrefix());
    }

    @Override
    public String toString()
    {
        return "Route[" + name() + " " + pathPrefix() + "]";
    }
}
