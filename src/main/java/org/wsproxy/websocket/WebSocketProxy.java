package org.wsproxy.websocket;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.exception.UpgradeException;
import org.eclipse.jetty.websocket.core.client.UpgradeListener;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.forward.ForwardingPolicy;
import org.wsproxy.forward.RequestKeys;
import org.wsproxy.relay.BackendUpgrade;
import org.wsproxy.relay.Relay;
import org.wsproxy.relay.RelayClientConnector;
import org.wsproxy.relay.RelayPolicy;
import org.wsproxy.relay.RelaySettings;
import org.wsproxy.route.Route;
import org.wsproxy.route.TargetUri;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Lease;
import org.wsproxy.upstream.Pool;
import org.wsproxy.upstream.Pools;
import org.wsproxy.upstream.RequestKey;

/**
 * Opens backend WebSocket sessions for accepted client upgrades and keeps track of the live relays.
 * The backend hops are websocket-core sessions opened by a {@link WebSocketCoreClient} that runs on the
 * server's thread pool and buffer pool, so the proxy runs one pool of each and hands nothing across.
 */
public class WebSocketProxy extends ContainerLifeCycle
{
    /** The servlet-context attribute under which the filter finds this component. */
    public static final String ATTRIBUTE = WebSocketProxy.class.getName();
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketProxy.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("org.wsproxy.access");

    private final Pools pools;
    private final ForwardingPolicy forwarding;
    private final long maxFrameSize;
    private final WebSocketCoreClient client;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong relaysOpened = new AtomicLong();
    private final AtomicLong handshakesFailed = new AtomicLong();
    // Each live relay with the lease that counts it against its endpoint's load.
    private final Map<Relay, Lease> relays = new ConcurrentHashMap<>();
    // Each WebSocket route's limits and keepalive, with their counts, by route name.
    private final Map<String, RelayPolicy> policies = new java.util.LinkedHashMap<>();

    /**
     * @param executor the server's thread pool, for the backend hops too, or null for the client's own
     * @param bufferPool the server's buffer pool, or null for the client's own
     * @param routes the routes, whose relay policies (limits, keepalive) this makes once
     * @param scheduler the server's scheduler, for the relays' keepalive checks and rate pauses
     */
    public WebSocketProxy(Pools pools, ForwardingPolicy forwarding, long maxFrameSize, Executor executor, ByteBufferPool bufferPool,
                          List<org.wsproxy.config.RouteConfig> routes, org.eclipse.jetty.util.thread.Scheduler scheduler)
    {
        for (org.wsproxy.config.RouteConfig route : routes)
        {
            if (route.websocket())
                policies.put(route.name(), new RelayPolicy(route.name(), route.relayPolicy(), scheduler));
        }
        this.pools = pools;
        this.forwarding = forwarding;
        this.maxFrameSize = maxFrameSize;
        HttpClient httpClient = new HttpClient(new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(new RelayClientConnector()));
        httpClient.setName("wsproxy-backend-websocket");
        httpClient.setExecutor(executor);
        httpClient.setByteBufferPool(bufferPool);
        httpClient.setUserAgentField(null);
        httpClient.setFollowRedirects(false);
        this.client = new WebSocketCoreClient(httpClient, new WebSocketComponents(null, null, bufferPool, null, null, executor));
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
    CompletableFuture<BackendHop> connect(Route route, HttpServletRequest request, String pathInContext)
    {
        CompletableFuture<BackendHop> result = new CompletableFuture<>();
        HttpFields.Mutable headers = HttpFields.build();
        forwarding.forEachHeader(request, headers::add);
        List<String> subProtocols = UpgradeRequests.subProtocols(request);
        Pool pool = pools.get(route.pool());
        String cookiePath = request.getContextPath().isEmpty() ? "/" : request.getContextPath();
        Attempts attempts = new Attempts(route, pool, RequestKeys.of(request, forwarding), pathInContext, request.getQueryString(), headers, subProtocols,
            cookiePath, request.isSecure(), result);
        attempts.next(null);
        return result;
    }

    /**
     * The tries of one client upgrade: each on an endpoint not tried yet, while the route's maxAttempts and
     * retryTimeout allow and the failure is the backend's (not reached, timed out, dropped, 502-504), since
     * nothing has been sent to the client until a backend accepted.
     */
    private final class Attempts
    {
        private final Route route;
        private final Pool pool;
        private final RequestKey key;
        private final String path;
        private final String query;
        private final HttpFields headers;
        private final List<String> subProtocols;
        private final String cookiePath;
        private final boolean secure;
        private final CompletableFuture<BackendHop> result;
        private final List<Endpoint> tried = new ArrayList<>();
        private final long deadline;

        private Attempts(Route route, Pool pool, RequestKey key, String path, String query, HttpFields headers,
                         List<String> subProtocols, String cookiePath, boolean secure, CompletableFuture<BackendHop> result)
        {
            this.cookiePath = cookiePath;
            this.secure = secure;
            this.route = route;
            this.pool = pool;
            this.key = key;
            this.path = path;
            this.query = query;
            this.headers = headers;
            this.subProtocols = subProtocols;
            this.result = result;
            this.deadline = System.nanoTime() + route.retry().timeout().toNanos();
        }

        /** @param lastFailure the previous try's failure, or null for the first try */
        void next(Throwable lastFailure)
        {
            if (result.isDone())
                return;
            long left = deadline - System.nanoTime();
            if (lastFailure != null && (tried.size() >= route.retry().maxAttempts() || left <= 0))
            {
                fail(lastFailure);
                return;
            }
            Endpoint endpoint = pool.pick(key, tried);
            if (endpoint == null)
            {
                fail(lastFailure != null ? lastFailure : new NoBackendException(pool.name(), pool.retryAfter()));
                return;
            }
            tried.add(endpoint);
            // Counted from the handshake on, so least-connections sees sessions being opened, not only open ones.
            Lease lease = endpoint.lease(true);
            URI target = TargetUri.resolve(endpoint.uri(), route, path, query, true);
            Relay relay = new Relay(ids.incrementAndGet(), target.toString(), new RelaySettings(route.idleTimeout(), maxFrameSize, policies.get(route.name())),
                WebSocketProxy.this::closed);
            CoreClientUpgradeRequest upgrade = new BackendUpgrade(client, target, relay);
            upgrade.headers(fields -> fields.add(headers));
            upgrade.setSubProtocols(subProtocols);
            // A retry gets what is left of the total time if that is less than a whole connect timeout.
            long timeout = route.connectTimeout().toMillis();
            if (lastFailure != null)
                timeout = Math.max(1, Math.min(timeout, TimeUnit.NANOSECONDS.toMillis(left)));
            upgrade.timeout(timeout, TimeUnit.MILLISECONDS);
            upgrade.setConfiguration(relay.settings().asCustomizer());
            BackendResponse backendResponse = new BackendResponse();
            upgrade.addListener(backendResponse);
            try
            {
                CompletableFuture<?> connecting = client.connect(upgrade);
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
                        pool.reportSuccess(endpoint);
                        relays.put(relay, lease);
                        relaysOpened.incrementAndGet();
                        BackendHop hop = new BackendHop(relay, relay.backendSide().subProtocol(), backendResponse.headers,
                            pool.stickyCookie(key, endpoint, cookiePath, secure));
                        if (!result.complete(hop))
                            relay.abandon("client left during the backend handshake");
                        return;
                    }
                    lease.release();
                    if (result.isDone())
                        return; // The client left and cancelled this handshake: nothing to say about the backend.
                    boolean backendFailed = HandshakeFailures.isBackendFailure(failure);
                    if (backendFailed)
                        pool.reportFailure(endpoint);
                    else
                        pool.reportSuccess(endpoint);
                    LOG.info("ws handshake to {} failed: {}{}", target, HandshakeFailures.describe(failure), backendFailed ? "" : " (the backend's answer)");
                    if (backendFailed)
                        next(failure);
                    else
                        fail(failure);
                });
            }
            catch (Throwable x)
            {
                lease.release();
                LOG.info("ws handshake to {} failed: {}", target, x.toString());
                fail(x);
            }
        }

        private void fail(Throwable failure)
        {
            handshakesFailed.incrementAndGet();
            result.completeExceptionally(failure);
        }
    }

    /**
     * Keeps the headers of the backend's 101 for the client's 101, and closes the connection of a refused
     * upgrade: one that carried an upgrade request is never used for another request, whatever the answer
     * (a backend that refused may be in any state; nginx and HAProxy open fresh connections too). Aborting
     * at the response headers keeps the status, which the client still gets.
     */
    private static final class BackendResponse implements UpgradeListener
    {
        private volatile HttpFields headers;

        @Override
        public void onHandshakeRequest(Request request)
        {
            request.onResponseHeaders(response ->
            {
                if (response.getStatus() != HttpStatus.SWITCHING_PROTOCOLS_101)
                    response.abort(new UpgradeException(request.getURI(), response.getStatus(), "the backend refused the upgrade: " + response.getStatus()));
            });
        }

        @Override
        public void onHandshakeResponse(Request request, Response response)
        {
            headers = response.getHeaders();
        }
    }

    private void closed(Relay relay)
    {
        Lease lease = relays.remove(relay);
        if (lease != null)
            lease.release();
        if (ACCESS.isInfoEnabled())
            ACCESS.info(relay.summary());
    }

    /** A health probe doing a WebSocket handshake with this component's client. */
    public org.wsproxy.upstream.Probe probe(org.wsproxy.config.HealthCheckConfig config)
    {
        return new org.wsproxy.upstream.WebSocketProbe(client, config);
    }

    /**
     * Closes the live sessions of an endpoint that was marked down (HAProxy's on-marked-down
     * shutdown-sessions): both hops get 1001, so clients reconnect through the proxy to a healthy backend.
     */
    public int shutdownSessions(Endpoint endpoint)
    {
        int closed = 0;
        for (Map.Entry<Relay, Lease> entry : relays.entrySet())
        {
            if (entry.getValue().endpoint() == endpoint)
            {
                entry.getKey().shutdown("Going Away: backend marked down");
                closed++;
            }
        }
        if (closed > 0)
            LOG.info("closed {} live session(s) of {}, marked down", closed, endpoint);
        return closed;
    }

    /** The relays with at least one hop still open. */
    public Set<Relay> relays()
    {
        return Set.copyOf(relays.keySet());
    }

    /** Each WebSocket route's relay policy, with what it refused, in configured order. */
    public java.util.Collection<RelayPolicy> relayPolicies()
    {
        return java.util.Collections.unmodifiableCollection(policies.values());
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
