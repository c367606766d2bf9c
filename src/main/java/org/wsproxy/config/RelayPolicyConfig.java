package org.wsproxy.config;

import java.time.Duration;

/**
 * What a route's relay enforces on each WebSocket session, beyond relaying: message sizes and rates per
 * direction, and keepalive pings from the proxy. Every limit is off (0) unless configured.
 *
 * @param fromClient the limits on what the client sends
 * @param fromBackend the limits on what the backend sends
 * @param rateBurst a rate's bucket holds this much time's worth of the rate: the burst allowed above it
 * @param slowOverRate over a rate, stop reading the sender until its budget refills (backpressure) instead of closing with 1008
 * @param pingInterval a hop with no frame from it for this long is pinged by the proxy; zero: never
 * @param pingTimeout a pinged hop that sends nothing (no pong, no frame) within this is taken for dead
 */
public record RelayPolicyConfig(Direction fromClient, Direction fromBackend, Duration rateBurst, boolean slowOverRate,
                                Duration pingInterval, Duration pingTimeout)
{
    /**
     * The limits on what one hop sends, each 0 when off.
     *
     * @param maxMessageSize the largest message, counted over its frames (the relay never assembles one)
     * @param messageRate messages (data messages and pings and pongs) per second
     * @param byteRate payload bytes per second
     */
    public record Direction(long maxMessageSize, long messageRate, long byteRate)
    {
        public boolean limited()
        {
            return maxMessageSize > 0 || messageRate > 0 || byteRate > 0;
        }
    }

    public boolean keepalive()
    {
        return !pingInterval.isZero();
    }
}
