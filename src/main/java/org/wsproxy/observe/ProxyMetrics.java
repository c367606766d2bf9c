package org.wsproxy.observe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.http.ExchangeObserver;
import org.wsproxy.relay.Relay;
import org.wsproxy.relay.Side;
import org.wsproxy.route.Route;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Pools;
import org.wsproxy.websocket.SessionObserver;

/**
 * The proxy's metrics: one Micrometer registry per runtime (no global one), exposed in Prometheus's text format
 * ({@link #scrape}) and, when the server has Jetty's jmx module, as JMX MBeans too. It hears of handshakes,
 * sessions and HTTP exchanges as an observer, after the proxy decided, and reads the pools' snapshots and the
 * endpoints' counters when scraped; it is never on a decision path. Label values come from the configuration
 * (routes, pools, backends) or from fixed sets (causes, close codes, status classes), never from the traffic.
 */
public class ProxyMetrics extends ContainerLifeCycle implements SessionObserver, ExchangeObserver
{
    private static final Logger LOG = LoggerFactory.getLogger(ProxyMetrics.class);
    /** The close codes counted by their number; any other is counted as "other". */
    static final Set<Integer> CLOSE_CODES = Set.of(1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015);
    private static final String NO_ROUTE = "none";
    private static final Duration[] HANDSHAKE_BUCKETS = millis(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000);
    private static final Duration[] SESSION_BUCKETS = millis(1000, 10_000, 60_000, 300_000, 900_000, 3_600_000, 14_400_000, 43_200_000, 86_400_000);

    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JmxMeterRegistry jmx;
    private final Pools pools;
    private final Scheduler scheduler;
    private final List<AutoCloseable> binders = new ArrayList<>();
    private final Map<String, RouteMeters> routes = new HashMap<>();
    private final BackendMeters backends;
    private final Map<String, Counter> closes = new ConcurrentHashMap<>();
    private volatile Scheduler.Task refresh;

    /**
     * @param server the server, for its thread pool, connectors and whether it has Jetty's jmx module; may be null
     * @param jmxDomain the JMX domain of the MBeans, when the server has the jmx module
     */
    public ProxyMetrics(List<Route> routeList, Pools pools, Server server, String jmxDomain, Scheduler scheduler)
    {
        this.pools = pools;
        this.scheduler = scheduler;
        registry.add(prometheus);
        this.jmx = server != null && hasJmxModule(server) ? new JmxMeterRegistry(new DomainConfig(jmxDomain), io.micrometer.core.instrument.Clock.SYSTEM) : null;
        if (jmx != null)
            registry.add(jmx);
        for (Route route : routeList)
            routes.put(route.name(), new RouteMeters(route.name()));
        routes.put(NO_ROUTE, new RouteMeters(NO_ROUTE));
        this.backends = new BackendMeters(registry, pools);
        bindJvm();
        if (server != null)
            bindJetty(server);
    }

    /** Whether a runtime needs metrics: its observe endpoints are on, or the server has Jetty's jmx module. */
    public static boolean wanted(org.wsproxy.config.ObserveConfig observe, Server server)
    {
        return observe.enabled() || (server != null && hasJmxModule(server));
    }

    /** Jetty's jmx module adds an MBeanContainer to the server; its class may be hidden from the webapp, so by name. */
    private static boolean hasJmxModule(Server server)
    {
        return server.getBeans().stream().anyMatch(bean -> bean.getClass().getName().equals("org.eclipse.jetty.jmx.MBeanContainer"));
    }

    private void bindJvm()
    {
        JvmGcMetrics gc = new JvmGcMetrics();
        binders.add(gc);
        JvmThreadMetrics threads = new JvmThreadMetrics();
        for (MeterBinder binder : List.of(new JvmMemoryMetrics(), gc, threads, new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics()))
            binder.bindTo(registry);
    }

    private void bindJetty(Server server)
    {
        JettyServerThreadPoolMetrics threadPool = new JettyServerThreadPoolMetrics(server.getThreadPool(), Tags.empty());
        threadPool.bindTo(registry);
        binders.add(threadPool);
        for (Connector connector : server.getConnectors())
        {
            String name = connector.getName() != null ? connector.getName() : String.join("+", connector.getProtocols());
            Gauge.builder("jetty.connector.connections", connector, c -> c.getConnectedEndPoints().size())
                .description("Connections open on the server's connector").tag("connector", name).strongReference(true).register(registry);
        }
    }

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        backends.refresh();
        if (jmx != null && scheduler != null)
            scheduleRefresh();
        LOG.info("wsproxy metrics on{}", jmx != null ? " (and as JMX MBeans, Jetty's jmx module being on)" : "");
    }

    /** Backends come and go with the pools file and the admin endpoint: JMX has no scrape to catch that, so a timer does. */
    private void scheduleRefresh()
    {
        refresh = scheduler.schedule(() ->
        {
            if (!isRunning())
                return;
            backends.refresh();
            scheduleRefresh();
        }, 5, TimeUnit.SECONDS);
    }

    @Override
    protected void doStop() throws Exception
    {
        Scheduler.Task task = refresh;
        if (task != null)
            task.cancel();
        for (AutoCloseable binder : binders)
            binder.close();
        registry.close();
        prometheus.close();
        if (jmx != null)
            jmx.close();
        super.doStop();
    }

    /** The metrics in Prometheus's text format (version 0.0.4). */
    public String scrape()
    {
        backends.refresh();
        return prometheus.scrape();
    }

    public MeterRegistry registry()
    {
        return registry;
    }

    /** Last error seen on each backend, for the status page. */
    BackendMeters backends()
    {
        return backends;
    }

    private RouteMeters route(Route route)
    {
        RouteMeters meters = route == null ? null : routes.get(route.name());
        return meters != null ? meters : routes.get(NO_ROUTE);
    }

    // SessionObserver

    @Override
    public void opened(Route route, Endpoint endpoint, Relay relay, long nanos, boolean failover)
    {
        RouteMeters meters = route(route);
        meters.live.incrementAndGet();
        meters.opened.increment();
        meters.backendHandshake.record(nanos, TimeUnit.NANOSECONDS);
        meters.traffic.opened(relay);
        if (failover)
            meters.wsFailovers.increment();
    }

    @Override
    public void upgraded(Route route, Relay relay, long nanos)
    {
        route(route).clientHandshake.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void closed(Route route, Endpoint endpoint, Relay relay)
    {
        RouteMeters meters = route(route);
        meters.live.decrementAndGet();
        meters.traffic.closed(relay);
        meters.sessionDuration.record(System.nanoTime() - relay.created(), TimeUnit.NANOSECONDS);
        for (Side side : Side.values())
            close(side, relay.closeCode(side)).increment();
    }

    private Counter close(Side side, int code)
    {
        String label = CLOSE_CODES.contains(code) ? Integer.toString(code) : "other";
        String sideLabel = side.name().toLowerCase(java.util.Locale.ROOT);
        return closes.computeIfAbsent(sideLabel + label, k -> Counter.builder("wsproxy.websocket.closes")
            .description("Close codes each hop sent or ended with, per side (other: any code not standard)")
            .tags("side", sideLabel, "code", label).register(registry));
    }

    @Override
    public void attemptFailed(Route route, Endpoint endpoint, String error)
    {
        backends.error(endpoint, error);
    }

    @Override
    public void handshakeRetried(Route route)
    {
        route(route).wsRetries.increment();
    }

    @Override
    public void requestRetried(Route route)
    {
        route(route).httpRetries.increment();
    }

    @Override
    public void handshakeFailed(Route route, String cause)
    {
        route(route).handshakeFailures.get(cause).increment();
    }

    // ExchangeObserver

    @Override
    public void completed(Route route, int status, long nanos)
    {
        RouteMeters meters = route(route);
        int statusClass = Math.max(1, Math.min(5, status / 100));
        meters.http[statusClass - 1].record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void failedOver(Route route)
    {
        route(route).httpFailovers.increment();
    }

    /** The meters of one route, made when the runtime starts: routes are fixed for its life. */
    private final class RouteMeters
    {
        final AtomicInteger live = new AtomicInteger();
        final Counter opened;
        final Timer backendHandshake;
        final Timer clientHandshake;
        final Timer sessionDuration;
        final RouteTraffic traffic = new RouteTraffic();
        final Map<String, Counter> handshakeFailures = new HashMap<>();
        final Timer[] http = new Timer[5];
        final Counter wsRetries;
        final Counter httpRetries;
        final Counter wsFailovers;
        final Counter httpFailovers;

        RouteMeters(String name)
        {
            Gauge.builder("wsproxy.websocket.sessions.live", live, AtomicInteger::get).description("Live WebSocket sessions")
                .tag("route", name).register(registry);
            opened = Counter.builder("wsproxy.websocket.sessions.opened").description("WebSocket sessions opened (the backend answered 101)")
                .tag("route", name).register(registry);
            backendHandshake = handshakeTimer(name, "backend", "From the client's upgrade to the backend's 101, retries included");
            clientHandshake = handshakeTimer(name, "client", "From the client's upgrade to the client's 101");
            sessionDuration = Timer.builder("wsproxy.websocket.session.duration").description("How long relayed sessions lasted")
                .tag("route", name).serviceLevelObjectives(SESSION_BUCKETS).register(registry);
            for (String cause : FAILURE_CAUSES)
                handshakeFailures.put(cause, Counter.builder("wsproxy.websocket.handshakes.failed").description("Client upgrades answered with an error, by cause")
                    .tags("route", name, "cause", cause).register(registry));
            for (Side from : Side.values())
            {
                String direction = from == Side.CLIENT ? "client_to_backend" : "backend_to_client";
                FunctionCounter.builder("wsproxy.websocket.frames", traffic, t -> t.frames(from)).description("WebSocket frames relayed (close frames excepted)")
                    .tags("route", name, "direction", direction).register(registry);
                FunctionCounter.builder("wsproxy.websocket.payload", traffic, t -> t.bytes(from)).description("WebSocket payload bytes relayed")
                    .baseUnit("bytes").tags("route", name, "direction", direction).register(registry);
            }
            for (int i = 0; i < http.length; i++)
                http[i] = Timer.builder("wsproxy.http.requests").description("HTTP requests proxied (or answered by the proxy), by status class")
                    .tags("route", name, "status", (i + 1) + "xx").serviceLevelObjectives(HANDSHAKE_BUCKETS).register(registry);
            wsRetries = retryCounter(name, "websocket");
            httpRetries = retryCounter(name, "http");
            wsFailovers = failoverCounter(name, "websocket");
            httpFailovers = failoverCounter(name, "http");
        }

        private Timer handshakeTimer(String route, String hop, String description)
        {
            return Timer.builder("wsproxy.websocket.handshake.duration").description(description)
                .tags("route", route, "hop", hop).serviceLevelObjectives(HANDSHAKE_BUCKETS).register(registry);
        }

        private Counter retryCounter(String route, String protocol)
        {
            return Counter.builder("wsproxy.retries").description("Tries on another backend after one failed")
                .tags("route", route, "protocol", protocol).register(registry);
        }

        private Counter failoverCounter(String route, String protocol)
        {
            return Counter.builder("wsproxy.failovers").description("Requests and sessions served by a backend after another failed")
                .tags("route", route, "protocol", protocol).register(registry);
        }
    }

    private static Duration[] millis(long... values)
    {
        Duration[] result = new Duration[values.length];
        for (int i = 0; i < values.length; i++)
            result[i] = Duration.ofMillis(values[i]);
        return result;
    }

    private record DomainConfig(String domain) implements JmxConfig
    {
        @Override
        public String get(String key)
        {
            return null;
        }
    }
}
