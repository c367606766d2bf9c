package org.wsproxy.websocket;

import org.wsproxy.relay.Relay;
import org.wsproxy.route.Route;
import org.wsproxy.upstream.Endpoint;

/**
 * What the WebSocket side tells an observer (metrics, status page) about handshakes and sessions. Called on
 * the threads that see the events, after the decisions were made; implementations must be quick and never
 * block. Every method does nothing by default.
 */
public interface SessionObserver
{
    SessionObserver NONE = new SessionObserver()
    {
    };

    /**
     * The causes a failed handshake is counted under, a fixed set whatever the traffic: the backend refused the
     * connection, timed out, answered 4xx, 5xx or another non-101 status; no backend was eligible; another error
     * (reset, bad answer); the proxy itself rejected the upgrade; the client left during the backend handshake.
     */
    java.util.List<String> FAILURE_CAUSES = java.util.List.of("refused", "timeout", "backend_4xx", "backend_5xx",
        "backend_other", "no_backend", "error", "rejected", "client_gone");

    /** The backend answered 101 after {@code nanos} since the client's upgrade arrived; {@code failover} when an earlier backend failed. */
    default void opened(Route route, Endpoint endpoint, Relay relay, long nanos, boolean failover)
    {
    }

    /** The client got its 101, {@code nanos} after its upgrade arrived. */
    default void upgraded(Route route, Relay relay, long nanos)
    {
    }

    /** Both hops of a relay that {@link #opened} have ended. */
    default void closed(Route route, Endpoint endpoint, Relay relay)
    {
    }

    /** One try on {@code endpoint} failed; {@code error} says how. */
    default void attemptFailed(Route route, Endpoint endpoint, String error)
    {
    }

    /** After a failed try, another backend is being tried. */
    default void handshakeRetried(Route route)
    {
    }

    /**
     * The client's upgrade was answered with an error: {@code cause} is one of {@link #FAILURE_CAUSES}.
     */
    default void handshakeFailed(Route route, String cause)
    {
    }
}
