package org.wsproxy.websocket;

/**
 * An open backend hop for a client's upgrade: the relay (not reading yet) and the Set-Cookie header value
 * that sticks the client to the chosen backend, or null when none is due.
 */
record BackendHop(Relay relay, String setCookie)
{
}
