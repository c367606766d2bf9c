package org.wsproxy.upstream;

import java.util.concurrent.CompletableFuture;

/**
 * One active health probe of one endpoint. Implementations: {@link HttpProbe} (HTTP GET) here, and the
 * WebSocket handshake probe in the websocket package, which owns the WebSocket client.
 */
public interface Probe
{
    /**
     * @return completes with null when the endpoint is healthy, or with a one-line reason when it is not;
     * completes within the probe's timeout, never exceptionally
     */
    CompletableFuture<String> check(Endpoint endpoint);
}
