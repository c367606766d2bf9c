package org.wsproxy.config;

import java.time.Duration;

/**
 * How a pool's backends are spared a reconnect storm (many clients reconnecting at once after a backend
 * restart or an outage).
 *
 * @param slowStart how long a backend that came back (ejection over, marked up, added at run time) takes to reach
 * its full weight, ramping up linearly (HAProxy {@code slowstart}); zero for none
 * @param maxHandshakes WebSocket handshakes in progress at once per backend; beyond, new ones queue; 0 for no cap
 * @param handshakeQueue handshakes that may wait per backend for a free place; beyond, 503 with a jittered Retry-After
 * @param handshakeQueueTimeout the longest a handshake waits in that queue; then 503 with a jittered Retry-After
 */
public record StormConfig(Duration slowStart, int maxHandshakes, int handshakeQueue, Duration handshakeQueueTimeout)
{
    /** No slow start, no cap: what a pool built without this configuration does. */
    public static final StormConfig OFF = new StormConfig(Duration.ZERO, 0, 0, Duration.ofSeconds(1));

    public boolean capped()
    {
        return maxHandshakes > 0;
    }
}
