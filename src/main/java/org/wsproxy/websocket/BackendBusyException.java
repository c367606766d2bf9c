package org.wsproxy.websocket;

import java.time.Duration;

/**
 * The backend chosen for a handshake has {@code maxHandshakes} in progress and either its queue is full or this
 * handshake waited in it until {@code handshakeQueueTimeout}: answered with 503 and a jittered Retry-After,
 * without the backend being contacted.
 */
final class BackendBusyException extends Exception
{
    private final Duration retryAfter;

    BackendBusyException(String message, Duration retryAfter)
    {
        super(message, null, false, false);
        this.retryAfter = retryAfter;
    }

    Duration retryAfter()
    {
        return retryAfter;
    }
}
