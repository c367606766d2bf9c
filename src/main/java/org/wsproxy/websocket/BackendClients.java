package org.wsproxy.websocket;

import java.util.concurrent.Executor;

import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the {@link WebSocketClient} that opens backend hops, running on the server's thread pool.
 * <p>On its own the client starts a pool of its own (up to 200 threads, which a burst of handshakes
 * fills and which then linger, each with its stack), so the proxy would run two pools side by side and
 * hand work from one to the other. Its {@code HttpClient} takes an executor, but in jetty-home that
 * class is the server's, not the copy this WAR bundles for the HTTP proxy, so it cannot be named here:
 * it is made and given the server's executor by reflection, through the client's own class loader.
 * Anything unexpected falls back to the client's own pool.</p>
 */
final class BackendClients
{
    private static final Logger LOG = LoggerFactory.getLogger(BackendClients.class);
    private static final String HTTP_CLIENT = "org.eclipse.jetty.client.HttpClient";

    private BackendClients()
    {
    }

    /**
     * @param executor the server's thread pool, or null to let the client start its own
     */
    static WebSocketClient create(Executor executor)
    {
        if (executor == null)
            return new WebSocketClient();
        try
        {
            Class<?> httpClientClass = Class.forName(HTTP_CLIENT, true, WebSocketClient.class.getClassLoader());
            Object httpClient = httpClientClass.getConstructor().newInstance();
            httpClientClass.getMethod("setExecutor", Executor.class).invoke(httpClient, executor);
            // Not started here: the WebSocketClient starts and stops it as its own part.
            return WebSocketClient.class.getConstructor(httpClientClass).newInstance(httpClient);
        }
        catch (ReflectiveOperationException | LinkageError x)
        {
            LOG.warn("wsproxy: the WebSocket client cannot share the server's threads ({}); it runs its own pool", x.toString());
            return new WebSocketClient();
        }
    }
}
