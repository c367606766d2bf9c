package org.wsproxy.websocket;

/** No endpoint of the route's pool may take a new session now: answered with 503. */
final class NoBackendException extends Exception
{
    NoBackendException(String pool)
    {
        super("no eligible backend in pool " + pool, null, false, false);
    }
}
