package org.wsproxy.upstream;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.wsproxy.config.HealthCheckConfig;

/**
 * The WebSocket health probe: a handshake on {@code ws(s)://<backend host:port><path>}, healthy when it is
 * answered 101 within the timeout; the session is then closed at once with 1000. It uses the client that
 * opens the relays' backend hops, so it checks the same path they take.
 */
public final class WebSocketProbe implements Probe
{
    private final WebSocketCoreClient client;
    private final HealthCheckConfig config;

    public WebSocketProbe(WebSocketCoreClient client, HealthCheckConfig config)
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
            CoreClientUpgradeRequest upgrade = CoreClientUpgradeRequest.from(client, target, new Discard());
            upgrade.headers(fields -> fields.put("User-Agent", "wsproxy-health-check"));
            upgrade.timeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            client.connect(upgrade).whenComplete((session, failure) ->
            {
                if (failure != null)
                {
                    result.complete("handshake " + target + ": " + describe(failure));
                    return;
                }
                session.close(CloseStatus.NORMAL, "health check", Callback.NOOP);
                result.complete(null);
            });
        }
        catch (Throwable x)
        {
            result.complete("handshake " + target + ": " + x);
        }
        return result;
    }

    private static String describe(Throwable failure)
    {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root)
            root = root.getCause();
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** Reads and drops whatever the backend sends before the close. */
    private static final class Discard implements FrameHandler
    {
        private CoreSession session;

        @Override
        public void onOpen(CoreSession session, Callback callback)
        {
            this.session = session;
            callback.succeeded();
            session.demand();
        }

        @Override
        public void onFrame(Frame frame, Callback callback)
        {
            callback.succeeded();
            session.demand();
        }

        @Override
        public void onError(Throwable cause, Callback callback)
        {
            callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus closeStatus, Callback callback)
        {
            callback.succeeded();
        }
    }
}
