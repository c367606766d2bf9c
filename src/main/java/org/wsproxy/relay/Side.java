package org.wsproxy.relay;

/** The two hops of a relayed WebSocket: the client's, accepted by the proxy, and the backend's, opened by it. */
public enum Side
{
    CLIENT, BACKEND;

    Side other()
    {
        return this == CLIENT ? BACKEND : CLIENT;
    }

    /** "client" or "backend", for logs and close reasons. */
    String label()
    {
        return this == CLIENT ? "client" : "backend";
    }
}
