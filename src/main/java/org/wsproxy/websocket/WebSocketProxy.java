package org.wsproxy.websocket;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.forward.ForwardingPolicy;
import org.wsproxy.route.Route;
import org.wsproxy.route.TargetUri;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Upstream;
import org.wsproxy.upstream.Upstreams;

/**
 * Opens backend WebSocket sessions for accepted client upgrades and keeps track of the live relays.
 * Owns the {@link WebSocketClient} and starts and stops it with this component. Not as a bean: in
 * jetty-home the client's classes are the server's, so its {@code LifeCycle} is not the one this WAR
 * bundles, and a bean of a foreign LifeCycle class would be taken for a plain object and never started.
 */
public class WebSocketProxy extends ContainerLifeCycle
{
    /** The servlet-context attribute under which the filter finds this component. */
    public static final String ATTRIBUTE = WebSocketProxy.class.getName();
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketProxy.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("org.wsproxy.access");

    private final Upstreams upstreams;
    private final ForwardingPolicy forwarding;
    private final long maxFrameSize;
    private final WebSocketClient client;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong relaysOpened = new AtomicLong();
    private final AtomicLong handshakesFailed = new AtomicLong();
    private final Set<Relay> relays = ConcurrentHashMap.newKeySet();

    /**
     * @param executor the server's thread pool, for the backend hops too ({@link BackendClients}), or null
     */
    public WebSocketProxy(Upstreams upstreams, ForwardingPolicy forwarding, long maxFrameSize, Executor executor)
    {
        this.upstreams = upstreams;
        this.forwarding = forwarding;
        this.maxFrameSize = maxFrameSize;
        this.client = BackendClients.create(executor);
        // The relay's own close handling sends 1001 to both hops' peers via the backend's close on stop.
        client.setStopAtShutdown(false);
        client.setMaxFrameSize(maxFrameSize);
        client.setAutoFragment(true);
        client.setMaxTextMessageSize(Long.MAX_VALUE);
        client.setMaxBinaryMessageSize(Long.MAX_VALUE);
    }

    @Override
    protected void doStart() throws Exception
    {
        client.start();
        super.doStart();
    }

    /**
     * Opens the backend hop for a client's upgrade on {@code route}, trying the next endpoint when one
     * cannot be reached. The returned relay's backend hop is open but not yet reading.
     */
    CompletableFuture<Relay> connect(Route route, HttpServletRequest request, String pathInContext)
    {
        CompletableFuture<Relay> result = new CompletableFuture<>();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        forwarding.forEachHeader(request, (name, value) -> headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value));
        List<String> subProtocols = UpgradeRequests.subProtocols(request);
        Upstream upstream = upstreams.get(route.upstream());
        attempt(route, upstream, new ArrayList<>(), pathInContext, request.getQueryString(), headers, subProtocols, result);
        return result;
    }

    private void attempt(Route route, Upstream upstream, List<Endpoint> tried, String path, String query,
                         Map<String, List<String>> headers, List<String> subProtocols, CompletableFuture<Relay> result)
    {
        Endpoint endpoint = upstream.select(tried);
        if (endpoint == null || result.isDone())
            return;
        tried.add(endpoint);
        URI target = TargetUri.resolve(endpoint.uri(), route, path, query, true);
        ClientUpgradeRequest upgrade = new ClientUpgradeRequest(target);
        upgrade.setHeaders(headers);
        upgrade.setSubProtocols(subProtocols);
        upgrade.setTimeout(route.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        Relay relay = new Relay(ids.incrementAndGet(), target.toString(), new RelaySettings(route.idleTimeout(), maxFrameSize), this::closed);
        try
        {
            CompletableFuture<?> connecting = client.connect(relay.backendSide(), upgrade);
            // A client that leaves while we connect cancels the result; pass that on to the connect.
            result.whenComplete((r, x) ->
            {
                if (x != null)
                    connecting.cancel(false);
            });
            connecting.whenComplete((session, failure) ->
            {
                if (failure == null)
                {
                    upstream.reportSuccess(endpoint);
                    relays.add(relay);
                    relaysOpened.incrementAndGet();
                    if (!result.complete(relay))
                        relay.abandon("client left during the backend handshake");
                    return;
                }
                upstream.reportFailure(endpoint);
                boolean retry = HandshakeFailures.isConnectFailure(failure) && tried.size() < upstream.maxAttempts();
                LOG.info("ws handshake to {} failed: {}{}", target, HandshakeFailures.describe(failure), retry ? "; trying the next backend" : "");
                if (retry)
                    attempt(route, upstream, tried, path, query, headers, subProtocols, result);
                else
                {
                    handshakesFailed.incrementAndGet();
                    result.completeExceptionally(failure);
                }
            });
        }
        catch (Throwable x)
        {
            LOG.info("ws handshake to {} failed: {}", target, x.toString());
            handshakesFailed.incrementAndGet();
            result.completeExceptionally(x);
        }
    }

    private void closed(Relay relay)
    {
        relays.remove(relay);
        if (ACCESS.isInfoEnabled())
            ACCESS.info(relay.summary());
    }

    /** The relays with at least one hop still open. */
    public Set<Relay> relays()
    {
        return Set.copyOf(relays);
    }

    public long relaysOpened()
    {
        return relaysOpened.get();
    }

    public long handshakesFailed()
    {
        return handshakesFailed.get();
    }

    @Override
    protected void doStop() throws Exception
    {
        // Close every client with 1001 before the client's stop drops the backends, so no client is left hanging.
        for (Relay relay : relays())
            relay.shutdown();
        super.doStop();
        client.stop();
    }
}
