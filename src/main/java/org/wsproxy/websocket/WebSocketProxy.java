package org.wsproxy.websocket;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.exception.UpgradeException;
import org.eclipse.jetty.websocket.core.client.UpgradeListener;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.forward.ForwardingPolicy;
import org.wsproxy.forward.RequestKeys;
import org.wsproxy.guard.Admission;
import org.wsproxy.relay.BackendUpgrade;
import org.wsproxy.relay.Relay;
import org.wsproxy.relay.RelayClientConnector;
import org.wsproxy.relay.RelayPolicy;
import org.wsproxy.relay.RelaySettings;
import org.wsproxy.route.Route;
import org.wsproxy.route.TargetUri;
import org.wsproxy.observe.RateLimitedLog;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.HandshakeGate;
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

    /** Far above any useful maxHandshakes; a bound only so that nothing is sized by Integer.MAX_VALUE. */
    private static final int MAX_HANDSHAKES_PER_DESTINATION = 1 << 20;

    private final Pools pools;
    private final ForwardingPolicy forwarding;
    private final long maxFrameSize;
    private final WebSocketCoreClient client;
    private final HttpClient httpClient;
    // The HTTP client's, once started: queue deadlines, and the hand-over of a freed handshake place.
    private Scheduler scheduler;
    private Executor executor;
    // A storm refuses thousands a second: one line per cause and interval, with the count left out.
    private final RateLimitedLog queueFullLog = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private final RateLimitedLog queueTimeoutLog = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong relaysOpened = new AtomicLong();
    private final AtomicLong handshakesFailed = new AtomicLong();
    // Each live relay with its route and the lease that counts it against its endpoint's load.
    private final Map<Relay, LiveSession> relays = new ConcurrentHashMap<>();
    private volatile SessionObserver observer = SessionObserver.NONE;
    // Each WebSocket route's limits and keepalive, with their counts, by route name.
    private final Map<String, RelayPolicy> policies = new java.util.LinkedHashMap<>();

    /** A live relay, its route, the lease counting it against its endpoint, and its place in the edge's counts. */
    public record LiveSession(Relay relay, Route route, Lease lease, Admission admission)
    {
        public Endpoint endpoint()
        {
            return lease.endpoint();
        }
    }

    /**
     * @param executor the server's thread pool, for the backend hops too, or null for the client's own
     * @param bufferPool the server's buffer pool, or null for the client's own
     * @param routes the routes, whose relay policies (limits, keepalive) this makes once
     * @param scheduler the server's scheduler, for the relays' keepalive checks and rate pauses
     * @param sslContextFactory how wss:// backends' certificates are checked, or null for Jetty's default (the JVM's
     * trust store, host name checked)
     */
    public WebSocketProxy(Pools pools, ForwardingPolicy forwarding, long maxFrameSize, Executor executor, ByteBufferPool bufferPool,
                          List<org.wsproxy.config.RouteConfig> routes, org.eclipse.jetty.util.thread.Scheduler scheduler,
                          org.eclipse.jetty.util.ssl.SslContextFactory.Client sslContextFactory)
    {
        for (org.wsproxy.config.RouteConfig route : routes)
        {
            if (route.websocket())
                policies.put(route.name(), new RelayPolicy(route.name(), route.relayPolicy(), scheduler));
        }
        this.pools = pools;
        this.forwarding = forwarding;
        this.maxFrameSize = maxFrameSize;
        org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP transport =
            new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(new RelayClientConnector());
        // The backend's 101 (or refusal) is handled where it was read, on the selector thread: what follows (the
        // backend session's set-up, the failover to another backend, the client's dispatch) never blocks (Jetty 12.1;
        // 12.0 cannot be told, and hands it to a pool thread).
        org.wsproxy.host.JettyApi.HOST.nonBlocking(transport);
        this.httpClient = new HttpClient(transport);
        httpClient.setName("wsproxy-backend-websocket");
        httpClient.setExecutor(executor);
        httpClient.setByteBufferPool(bufferPool);
        httpClient.setUserAgentField(null);
        httpClient.setFollowRedirects(false);
        if (sslContextFactory != null)
            httpClient.setSslContextFactory(sslContextFactory);
        // Every connection of this client is a handshake in progress (an upgraded one leaves the pool), and the
        // pools' handshake gates decide how many a backend gets: Jetty's own per-destination limits (64 connections,
        // 1,024 requests queued) would instead refuse a storm past 1,088 handshakes per backend with 502.
        httpClient.setMaxConnectionsPerDestination(MAX_HANDSHAKES_PER_DESTINATION);
        httpClient.setMaxRequestsQueuedPerDestination(MAX_HANDSHAKES_PER_DESTINATION);
        this.client = new WebSocketCoreClient(httpClient, new WebSocketComponents(null, null, bufferPool, null, null, executor));
    }

    /** Who hears of handshakes and sessions (the metrics); set before start. */
    public void observe(SessionObserver observer)
    {
        this.observer = observer == null ? SessionObserver.NONE : observer;
    }

    @Override
    protected void doStart() throws Exception
    {
        client.start();
        scheduler = httpClient.getScheduler();
        executor = httpClient.getExecutor();
        super.doStart();
    }

    /**
     * Opens the backend hop for a client's upgrade on {@code route}, trying the next endpoint when one
     * cannot be reached. The returned relay's backend hop is open but not yet reading.
     *
     * @param admission the session's place in the edge's counts: released when the handshake fails (or the client
     * leaves during it), else when both hops of the relay have closed
     */
    CompletableFuture<BackendHop> connect(Route route, HttpServletRequest request, String pathInContext, Admission admission)
    {
        CompletableFuture<BackendHop> result = new CompletableFuture<>();
        // A client that left during the handshake cancels the result; a failure releases before it answers (fail()).
        result.whenComplete((hop, failure) ->
        {
            if (failure != null)
                admission.release();
        });
        HttpFields.Mutable headers = HttpFields.build();
        forwarding.forEachHeader(request, headers::add);
        List<String> subProtocols = UpgradeRequests.subProtocols(request);
        Pool pool = pools.get(route.pool());
        String cookiePath = request.getContextPath().isEmpty() ? "/" : request.getContextPath();
        Attempts attempts = new Attempts(route, pool, RequestKeys.of(request, forwarding), pathInContext, request.getQueryString(), headers, subProtocols,
            cookiePath, request.isSecure(), admission, result);
        attempts.next(null);
        return result;
    }

    /** The longest {@link #connect} can take on {@code route}: each try waiting out its handshake queue and its connect timeout. */
    java.time.Duration connectBound(Route route)
    {
        Duration queue = pools.get(route.pool()).storm().handshakeQueueTimeout();
        return route.connectTimeout().plus(queue).multipliedBy(Math.max(1, route.retry().maxAttempts())).plusSeconds(5);
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
        private final Admission admission;
        private final CompletableFuture<BackendHop> result;
        private final List<Endpoint> tried = new ArrayList<>();
        private final long started = System.nanoTime();
        private final long deadline;

        private Attempts(Route route, Pool pool, RequestKey key, String path, String query, HttpFields headers,
                         List<String> subProtocols, String cookiePath, boolean secure, Admission admission, CompletableFuture<BackendHop> result)
        {
            this.admission = admission;
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
            this.deadline = started + route.retry().timeout().toNanos();
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
            if (lastFailure != null)
                observer.handshakeRetried(route);
            new Attempt(endpoint, lastFailure).enter();
        }

        /**
         * One try on one endpoint: through the endpoint's handshake gate (at once, after a wait in its queue,
         * or refused with 503), then the backend handshake. Counted against the endpoint's load from the gate
         * on, so that least-connections sees handshakes waiting for it too.
         */
        private final class Attempt
        {
            private final Endpoint endpoint;
            private final Throwable lastFailure;
            private final Lease lease;
            private final HandshakeGate.Ticket ticket;
            private volatile Scheduler.Task queueTimer;

            private Attempt(Endpoint endpoint, Throwable lastFailure)
            {
                this.endpoint = endpoint;
                this.lastFailure = lastFailure;
                this.lease = endpoint.lease(true);
                this.ticket = endpoint.handshakes().ticket(this::granted);
            }

            void enter()
            {
                switch (ticket.enter())
                {
                    case GRANTED -> handshake();
                    case QUEUED ->
                    {
                        Duration timeout = pool.storm().handshakeQueueTimeout();
                        queueTimer = scheduler.schedule(this::expired, timeout.toMillis(), TimeUnit.MILLISECONDS);
                        // A client that leaves while queued gives its place up.
                        result.whenComplete((r, x) ->
                        {
                            if (x != null && ticket.cancel(false))
                                lease.release();
                        });
                        if (LOG.isDebugEnabled())
                            LOG.debug("ws handshake to {} queued: {}", endpoint, endpoint.handshakes());
                    }
                    default ->
                    {
                        HandshakeGate gate = endpoint.handshakes();
                        queueFullLog.warn("wsproxy: ws handshake to {} refused (503): {} handshakes in progress and {} queued, " +
                            "the most wsproxy.pool.{}.maxHandshakes and .handshakeQueue allow", endpoint, gate.max(), gate.queued(), pool.name());
                        busy("backend " + endpoint + ": handshake queue full");
                    }
                }
            }

            /** On the thread of the handshake that freed the place: hand over to the thread pool, never start here. */
            private void granted()
            {
                Scheduler.Task timer = queueTimer;
                if (timer != null)
                    timer.cancel();
                try
                {
                    executor.execute(() ->
                    {
                        if (result.isDone())
                        {
                            // The client left (or the queue deadline won the race): pass the place on at once.
                            ticket.release();
                            lease.release();
                            return;
                        }
                        handshake();
                    });
                }
                catch (RejectedExecutionException x)
                {
                    ticket.release();
                    lease.release();
                    fail(x);
                }
            }

            private void expired()
            {
                if (!ticket.cancel(true))
                    return;
                queueTimeoutLog.warn("wsproxy: ws handshake to {} refused (503): waited wsproxy.pool.{}.handshakeQueueTimeout ({}) in its queue",
                    endpoint, pool.name(), pool.storm().handshakeQueueTimeout());
                busy("backend " + endpoint + ": handshake queue timeout");
            }

            private void busy(String why)
            {
                lease.release();
                fail(new BackendBusyException(why, jitteredRetryAfter(pool.storm().handshakeQueueTimeout())));
            }

            private void handshake()
            {
                if (result.isDone())
                {
                    ticket.release();
                    lease.release();
                    return;
                }
                URI target = TargetUri.resolve(endpoint.uri(), route, path, query, true);
                Relay relay = new Relay(ids.incrementAndGet(), target.toString(), new RelaySettings(route.idleTimeout(), maxFrameSize,
                    policies.get(route.name())), WebSocketProxy.this::closed);
                CoreClientUpgradeRequest upgrade = new BackendUpgrade(client, target, relay);
                upgrade.headers(fields -> fields.add(headers));
                upgrade.setSubProtocols(subProtocols);
                // A retry gets what is left of the total time if that is less than a whole connect timeout.
                long timeout = route.connectTimeout().toMillis();
                if (lastFailure != null)
                    timeout = Math.max(1, Math.min(timeout, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                upgrade.setConfiguration(relay.settings().asCustomizer());
                BackendResponse backendResponse = new BackendResponse();
                upgrade.addListener(backendResponse);
                try
                {
                    CompletableFuture<?> connecting = client.connect(upgrade);
                    // The deadline is a timer of ours, cancelled when the handshake ends, rather than the request's
                    // timeout: Jetty's HTTP client keeps the timer of that one scheduled until the deadline, even after
                    // the connection was upgraded, and the timer holds the HTTP connection with its parser (1.7 KiB per
                    // WebSocket opened in the last connectTimeout). Completing the future aborts the request.
                    long timeoutMillis = timeout;
                    Scheduler.Task timer = scheduler.schedule(() -> connecting.completeExceptionally(
                        new TimeoutException("Total timeout " + timeoutMillis + " ms elapsed")), timeout, TimeUnit.MILLISECONDS);
                    // A client that leaves while we connect cancels the result; pass that on to the connect.
                    result.whenComplete((r, x) ->
                    {
                        if (x != null)
                            connecting.cancel(false);
                    });
                    connecting.whenComplete((session, failure) ->
                    {
                        timer.cancel();
                        // The handshake is over either way: its place goes to the next one queued for this backend.
                        ticket.release();
                        if (failure == null)
                        {
                            pool.reportSuccess(endpoint);
                            relays.put(relay, new LiveSession(relay, route, lease, admission));
                            relaysOpened.incrementAndGet();
                            observer.opened(route, endpoint, relay, System.nanoTime() - started, tried.size() > 1);
                            BackendHop hop = new BackendHop(relay, relay.backendSide().subProtocol(), backendResponse.headers,
                                pool.stickyCookie(key, endpoint, cookiePath, secure), route, started);
                            if (!result.complete(hop))
                                relay.abandon("client left during the backend handshake");
                            return;
                        }
                        lease.release();
                        if (result.isDone())
                        {
                            // The client left and cancelled this handshake: nothing to say about the backend.
                            observer.handshakeFailed(route, "client_gone");
                            return;
                        }
                        boolean backendFailed = HandshakeFailures.isBackendFailure(failure);
                        if (backendFailed)
                            pool.reportFailure(endpoint);
                        else
                            pool.reportSuccess(endpoint);
                        String description = HandshakeFailures.describe(failure);
                        LOG.info("ws handshake to {} failed: {}{}", target, description, backendFailed ? "" : " (the backend's answer)");
                        observer.attemptFailed(route, endpoint, description);
                        if (backendFailed)
                            next(failure);
                        else
                            fail(failure);
                    });
                }
                catch (Throwable x)
                {
                    ticket.release();
                    lease.release();
                    LOG.info("ws handshake to {} failed: {}", target, x.toString());
                    observer.attemptFailed(route, endpoint, x.toString());
                    fail(x);
                }
            }
        }

        private void fail(Throwable failure)
        {
            handshakesFailed.incrementAndGet();
            // Before the client is answered, so that a client retrying at once finds its place free.
            admission.release();
            observer.handshakeFailed(route, HandshakeFailures.cause(failure));
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

    /**
     * A Retry-After for a busy backend, spread at random from 1 s to twice the queue timeout (at least 2 s):
     * clients told the same number would all come back in the same second and make the next storm.
     */
    static Duration jitteredRetryAfter(Duration queueTimeout)
    {
        long window = Math.max(2, (2 * queueTimeout.toMillis() + 999) / 1000);
        return Duration.ofSeconds(1 + ThreadLocalRandom.current().nextLong(window));
    }

    private void closed(Relay relay)
    {
        LiveSession live = relays.remove(relay);
        if (live != null)
        {
            live.lease().release();
            live.admission().release();
            observer.closed(live.route(), live.endpoint(), relay);
        }
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
        for (Map.Entry<Relay, LiveSession> entry : relays.entrySet())
        {
            if (entry.getValue().lease().endpoint() == endpoint)
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

    /** How many relays have at least one hop still open, without copying them. */
    public int relayCount()
    {
        return relays.size();
    }

    /** The live relays with their routes and endpoints. */
    public java.util.Collection<LiveSession> liveSessions()
    {
        return List.copyOf(relays.values());
    }

    /** The client got its 101 (called by the filter). */
    void clientUpgraded(BackendHop hop)
    {
        observer.upgraded(hop.route(), hop.relay(), System.nanoTime() - hop.started());
    }

    /** The proxy itself refused a client's upgrade on {@code route} (malformed, or its own checks). */
    public void rejected(Route route)
    {
        handshakesFailed.incrementAndGet();
        observer.handshakeFailed(route, "rejected");
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
