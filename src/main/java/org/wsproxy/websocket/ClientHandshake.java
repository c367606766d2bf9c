package org.wsproxy.websocket;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * How the host accepts a client's WebSocket upgrade once its backend hop is open: on Jetty at websocket-core level
 * ({@link ClientUpgrade}), on other hosts through the Jakarta WebSocket API (org.wsproxy.tomcat). A host that has its
 * own publishes it as the servlet-context attribute {@link #ATTRIBUTE} before the filter initialises.
 */
public interface ClientHandshake
{
    /** The servlet-context attribute of a host's own handshake; absent on Jetty. */
    String ATTRIBUTE = ClientHandshake.class.getName();

    /**
     * Whether the upgrade must happen in the request's first dispatch, not in an async dispatch (Tomcat upgrades only
     * there): then the request's thread waits for the backend's answer, at most {@code bound}, instead of being released.
     */
    boolean needsRequestThread();

    /**
     * Writes the 101 and hands the connection to the relay's client side.
     *
     * @return false when this is not an upgrade the host accepts (then the answer may have been written already)
     */
    boolean upgrade(HttpServletRequest request, HttpServletResponse response, BackendHop hop) throws IOException;
}
