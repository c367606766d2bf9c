package org.wsproxy.websocket;

import java.time.Duration;

/** No endpoint of the route's pool may take a new session now: answered with 503 and a Retry-After. */
final class NoBackendException extends Exception
{
    private final Duration retryAfter;

    NoBackendException(String pool, Duration retryAfter)
    {
        super("no eligible backend in pool " + pool, null, false, false);
        this.retryAfter = retryAfter;
    }

    Duration retryAfter()
    {
        return retryAfter;
    }
}
