package org.wsproxy.websocket;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.wsproxy.config.HealthCheckConfig;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Probe;

/**
 * The WebSocket health probe: a handshake on {@code ws(s)://<backend host:port><path>}, healthy when it is
 * answered 101 within the timeout; the session is then closed at once with 1000.
 */
public final class WebSocketProbe implements Probe
{
    /** Reads and drops whatever the backend sends before the close. Public for Jetty's method handles. */
    public static final class Listener extends Session.Listener.AbstractAutoDemanding
    {
    }

    private final WebSocketClient client;
    private final HealthCheckConfig config;

    WebSocketProbe(WebSocketClient client, HealthCheckConfig config)
    {
        this.client = client;
        this.config = config;
    }

    @Override
    public CompletableFuture<String> check(Endpoint endpoint)
    {
        URI backend = endpoint.uri();
        String scheme = backend.getScheme().equalsIgnoreCase("https") || backend.getScheme().equalsIgnoreCase("wss") ? "wss" : "ws";
        URI target = URI.create(scheme + "://" + backend.getRawAuthority() + config.path());
        CompletableFuture<String> result = new CompletableFuture<>();
        try
        {
            ClientUpgradeRequest upgrade = new ClientUpgradeRequest(target);
            upgrade.setHeader("User-Agent", "wsproxy-health-check");
            upgrade.setTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            client.connect(new Listener(), upgrade).whenComplete((session, failure) ->
            {
                if (failure != null)
                {
                    result.complete("handshake " + target + ": " + HandshakeFailures.describe(failure));
                    return;
                }
                session.close(StatusCode.NORMAL, "health check", Callback.NOOP);
                result.complete(null);
            });
        }
        catch (Throwable x)
        {
            result.complete("handshake " + target + ": " + x);
        }
        return result;
    }
}
