package org.wsproxy.relay;

import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.exception.WebSocketTimeoutException;

/**
 * Decides, in one place, what close frame one hop gets when the other hop ended. A close frame
 * received from a peer passes unchanged (code and reason); an end without a close frame becomes a code
 * that says what happened, never one of the reserved codes 1006 and 1015 that must not be sent.
 */
final class CloseCodes
{
    /** RFC 6455 registry code 1014: the gateway got an invalid response from the upstream server. */
    static final int BAD_GATEWAY = 1014;

    private CloseCodes()
    {
    }

    /**
     * @param passthrough true when this is the peer's own close frame, whose reply is worth waiting for
     */
    record Close(int code, String reason, boolean passthrough)
    {
    }

    /**
     * @param from the hop that ended
     * @param code the close code of that hop's close frame, or what Jetty reported when it ended without one
     * @param reason the reason, may be null
     * @param failure the error seen on that hop before it closed, or null when it closed cleanly
     * @return the close to send to the other hop
     */
    static Close toPeer(Side from, int code, String reason, Throwable failure)
    {
        if (failure instanceof WebSocketTimeoutException)
            return new Close(CloseStatus.SHUTDOWN, "Idle Timeout", false);
        boolean abnormal = failure != null || code == CloseStatus.NO_CLOSE || code == CloseStatus.FAILED_TLS_HANDSHAKE ||
            (code != CloseStatus.NO_CODE && !isTransmittable(code));
        if (!abnormal)
            return new Close(code, reason, true);
        return lost(from);
    }

    /** The close for the other hop when {@code from} vanished or a write to it failed. */
    static Close lost(Side from)
    {
        if (from == Side.BACKEND)
            return new Close(BAD_GATEWAY, "Bad Gateway: backend connection lost", false);
        return new Close(CloseStatus.SHUTDOWN, "Going Away: client connection lost", false);
    }

    /** The close for the other hop when {@code from} answered neither a keepalive ping nor with any frame. */
    static Close unanswered(Side from)
    {
        if (from == Side.BACKEND)
            return new Close(BAD_GATEWAY, "Bad Gateway: backend did not answer ping", false);
        return new Close(CloseStatus.SHUTDOWN, "Going Away: client did not answer ping", false);
    }

    /** The close for a hop whose frame broke its route's limits: 1009 for a message too big, 1008 over a rate. */
    static Close refused(FrameBudget.Verdict verdict, long maxMessageSize)
    {
        if (verdict == FrameBudget.Verdict.TOO_BIG)
            return new Close(CloseStatus.MESSAGE_TOO_LARGE, "Message Too Big: over " + maxMessageSize + " bytes", false);
        return new Close(CloseStatus.POLICY_VIOLATION, "Policy Violation: over the rate limit", false);
    }

    /** The close for the other hop when {@code from} was refused. */
    static Close refusedPeer(Side from, FrameBudget.Verdict verdict)
    {
        return new Close(CloseStatus.SHUTDOWN, "Going Away: " + from.label() +
            (verdict == FrameBudget.Verdict.TOO_BIG ? " message too big" : " over its rate limit"), false);
    }

    static boolean isTransmittable(int code)
    {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }
}
