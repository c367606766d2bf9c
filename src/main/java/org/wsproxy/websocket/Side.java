package org.wsproxy.websocket;

/** The two hops of a relayed WebSocket: the client's, accepted by the proxy, and the backend's, opened by it. */
enum Side
{
    CLIENT, BACKEND;

    Side other()
    {
        return this == CLIENT ? BACKEND : CLIENT;
    }
}
