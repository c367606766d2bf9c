package org.wsproxy.websocket;

import java.time.Duration;

import org.eclipse.jetty.websocket.api.Session;

/**
 * The per-hop session settings of a route's relays, applied to both hops when the relay starts.
 * Message size limits are lifted because frames are relayed as they arrive, never assembled.
 *
 * @param idleTimeout a hop with no frame for this long is closed (and then the other hop)
 * @param maxFrameSize larger frames are read in pieces of this size
 */
record RelaySettings(Duration idleTimeout, long maxFrameSize)
{
    void configure(Session session)
    {
        session.setIdleTimeout(idleTimeout);
        session.setMaxFrameSize(maxFrameSize);
        session.setAutoFragment(true);
        session.setMaxTextMessageSize(Long.MAX_VALUE);
        session.setMaxBinaryMessageSize(Long.MAX_VALUE);
    }
}
