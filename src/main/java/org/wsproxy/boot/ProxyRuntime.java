package org.wsproxy.boot;

import java.util.concurrent.Executor;

import jakarta.servlet.ServletContext;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.wsproxy.config.BackendTlsConfig;
import org.wsproxy.config.HealthCheckConfig;
import org.wsproxy.drain.Draining;
import org.wsproxy.upstream.BackendTls;
import org.wsproxy.config.PoolConfig;
import org.wsproxy.upstream.HealthChecker;
import org.wsproxy.upstream.HttpProbe;
import org.wsproxy.upstream.Pool;
import org.wsproxy.upstream.Probe;
import org.wsproxy.config.ProxyConfig;
import org.wsproxy.config.RequestBodyConfig;
import org.wsproxy.forward.ForwardingPolicy;
import org.wsproxy.guard.EdgeGuards;
import org.wsproxy.http.ExchangeObserver;
import org.wsproxy.observe.ProxyMetrics;
import org.wsproxy.route.Router;
import org.wsproxy.upstream.Pools;
import org.wsproxy.websocket.WebSocketProxy;

/**
 * The proxy's shared parts, built once from the config: the router, the pools, the forwarding
 * policy and the WebSocket side. Long-lived parts are beans, so they start, stop and dump with this.
 * The filter and the servlet find the parts they need as servlet-context attributes.
 */
public class ProxyRuntime extends ContainerLifeCycle
{
    private final ProxyConfig config;
    private final Router router;
    private final Pools pools;
    private final ForwardingPolicy forwarding;
    private final WebSocketProxy webSocketProxy;
    private final EdgeGuards guards;
    private final Draining draining;
    private final GracefulDrain drain;
    private final ProxyMetrics metrics;

    /**
     * @param executor the server's thread pool, which the WebSocket side's client shares, or null for its own
     * @param bufferPool the server's buffer pool, likewise
     * @param server the server: its scheduler runs the relays' keepalive checks and rate pauses; the metrics read its thread
     * pool and connectors, and go to JMX when it has Jetty's jmx module. Null on a host that is not Jetty: then the
     * relays get a scheduler of this runtime's own
     * @param jmxDomain the JMX domain of the metrics' MBeans
     */
    public ProxyRuntime(ProxyConfig config, Executor executor, org.eclipse.jetty.io.ByteBufferPool bufferPool, Server server, String jmxDomain)
    {
        this.config = config;
        this.router = new Router(config.routes());
        this.pools = new Pools(config.pools(), stickySecret(config));
        this.forwarding = new ForwardingPolicy(config);
        this.guards = new EdgeGuards(config, forwarding);
        Scheduler relayScheduler = server != null ? server.getScheduler() : new ScheduledExecutorScheduler("wsproxy-relay", true);
        if (server == null)
            addBean(relayScheduler, true);
        this.webSocketProxy = new WebSocketProxy(pools, forwarding, config.maxFrameSize(), executor, bufferPool, config.routes(),
            relayScheduler, BackendTls.sslContextFactory(config.backendTls()));
        addBean(router);
        addBean(pools);
        addBean(webSocketProxy, true);
        Scheduler scheduler = new ScheduledExecutorScheduler("wsproxy-control", true);
        addBean(scheduler, true);
        // After the scheduler, so it stops (cancelling its timers) before the scheduler does.
        draining = new Draining(config.drain().notice());
        drain = new GracefulDrain(config.drain(), draining, webSocketProxy, scheduler);
        addBean(drain, true);
        // Metrics only when something reads them: the observe endpoints, or JMX.
        this.metrics = ProxyMetrics.wanted(config.observe(), server) ? new ProxyMetrics(router.routes(), pools, server, jmxDomain, scheduler) : null;
        if (metrics != null)
        {
            webSocketProxy.observe(metrics);
            addBean(metrics, true);
        }
        addHealthChecks(config, scheduler);
        if (!config.poolsFile().isEmpty())
            addBean(new PoolsFileWatcher(PoolsFileWatcher.resolve(config.poolsFile()), config, pools, scheduler), true);
    }

    /**
     * One HealthChecker bean per pool that has active checks, sharing the control scheduler and, for HTTP probes,
     * one HTTP client; and the shutdown of live sessions on a down mark where the pool asks for it.
     */
    private void addHealthChecks(ProxyConfig config, Scheduler scheduler)
    {
        HttpClient probeClient = null;
        for (PoolConfig poolConfig : config.pools())
        {
            Pool pool = pools.get(poolConfig.name());
            if (poolConfig.shutdownSessionsOnDown())
                pool.onDown(webSocketProxy::shutdownSessions);
            HealthCheckConfig check = poolConfig.healthCheck();
            if (!check.enabled())
                continue;
            Probe probe;
            if (check.kind() == HealthCheckConfig.Kind.HTTP)
            {
                if (probeClient == null)
                {
                    probeClient = new HttpClient();
                    probeClient.setFollowRedirects(false);
                    probeClient.setUserAgentField(null);
                    probeClient.setName("wsproxy-health");
                    probeClient.setSslContextFactory(BackendTls.sslContextFactory(config.backendTls()));
                    addBean(probeClient, true);
                }
                probe = new HttpProbe(probeClient, check);
            }
            else
                probe = webSocketProxy.probe(check);
            addBean(new HealthChecker(pool, check, probe, scheduler), true);
        }
    }

    /** The configured secret, or 32 random bytes: then cookies are valid only for this instance until it restarts. */
    private static byte[] stickySecret(ProxyConfig config)
    {
        if (!config.stickySecret().isEmpty())
            return config.stickySecret().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        return secret;
    }

    public ProxyConfig config()
    {
        return config;
    }

    public Pools pools()
    {
        return pools;
    }

    public WebSocketProxy webSocketProxy()
    {
        return webSocketProxy;
    }

    public EdgeGuards guards()
    {
        return guards;
    }

    /** The drain: Jetty's graceful stop, the admin endpoint's drain call and an undeploy start it. */
    public GracefulDrain drain()
    {
        return drain;
    }

    /** The metrics, or null when neither the observe endpoints nor JMX are on. */
    public ProxyMetrics metrics()
    {
        return metrics;
    }

    public Router router()
    {
        return router;
    }

    void publish(ServletContext context)
    {
        context.setAttribute(ProxyRuntime.class.getName(), this);
        context.setAttribute(Router.class.getName(), router);
        context.setAttribute(Pools.class.getName(), pools);
        context.setAttribute(ForwardingPolicy.class.getName(), forwarding);
        context.setAttribute(RequestBodyConfig.class.getName(), config.requestBody());
        context.setAttribute(WebSocketProxy.ATTRIBUTE, webSocketProxy);
        context.setAttribute(EdgeGuards.class.getName(), guards);
        context.setAttribute(Draining.ATTRIBUTE, draining);
        context.setAttribute(BackendTlsConfig.class.getName(), config.backendTls());
        if (metrics != null)
            context.setAttribute(ExchangeObserver.class.getName(), metrics);
    }

    void unpublish(ServletContext context)
    {
        context.removeAttribute(ProxyRuntime.class.getName());
        context.removeAttribute(Router.class.getName());
        context.removeAttribute(Pools.class.getName());
        context.removeAttribute(ForwardingPolicy.class.getName());
        context.removeAttribute(RequestBodyConfig.class.getName());
        context.removeAttribute(WebSocketProxy.ATTRIBUTE);
        context.removeAttribute(EdgeGuards.class.getName());
        context.removeAttribute(Draining.ATTRIBUTE);
        context.removeAttribute(BackendTlsConfig.class.getName());
        context.removeAttribute(ExchangeObserver.class.getName());
    }
}
