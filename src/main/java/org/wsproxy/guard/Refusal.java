package org.wsproxy.guard;

/**
 * Why the edge refused a request, each with the one answer it gets, decided here: a client that is not
 * welcome gets 403, one asking too much 429, a full proxy 503; the limits say when to come back.
 */
public enum Refusal
{
    /** The client's address is outside {@code allowClients} or inside {@code denyClients}. */
    CLIENT_ADDRESS(403, "client", -1),
    /** A WebSocket upgrade whose Origin is not in {@code allowedOrigins} (Cross-Site WebSocket Hijacking). */
    ORIGIN(403, "origin", -1),
    /** The client's address started more handshakes than {@code handshakeRate} and {@code handshakeBurst} allow. */
    HANDSHAKE_RATE(429, "handshakeRate", 1),
    /** The client's address holds {@code maxSessionsPerClient} live sessions on the route. */
    SESSIONS_PER_CLIENT(429, "sessionsPerClient", 5),
    /** The proxy holds {@code maxSessions} live sessions. */
    SESSIONS(503, "sessions", 5);

    private final int status;
    private final String key;
    private final long retryAfter;

    Refusal(int status, String key, long retryAfter)
    {
        this.status = status;
        this.key = key;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status the client gets. */
    public int status()
    {
        return status;
    }

    /** The name shown by the admin endpoint. */
    public String key()
    {
        return key;
    }

    /**
     * Seconds for the Retry-After header, or -1 for none. The session limits cannot know when a session ends;
     * a token bucket refills one handshake within a second at any allowed rate.
     */
    public long retryAfterSeconds()
    {
        return retryAfter;
    }
}
