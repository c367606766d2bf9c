package org.wsproxy.websocket;

import org.eclipse.jetty.http.HttpFields;
import org.wsproxy.relay.Relay;

/**
 * An open backend hop for a client's upgrade: the relay (not reading yet), what the backend's 101 said
 * (its subprotocol, or null, and its headers), and the Set-Cookie header value that sticks the client to
 * the chosen backend, or null when none is due; the route, and when the client's upgrade arrived (nanoTime).
 */
public record BackendHop(Relay relay, String subProtocol, HttpFields backendHeaders, String setCookie, org.wsproxy.route.Route route, long started)
{
}
