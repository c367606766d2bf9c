package org.wsproxy.testing;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The proxy as a real webapp: an embedded Jetty server on an ephemeral loopback port deploying
 * {@code webapp/} (so the real web.xml) with the given context-params. The classes come from the
 * build's classpath rather than a WAR, which keeps start-up around a second.
 */
public class ProxyServer
{
    private final Map<String, String> params = new LinkedHashMap<>();
    private Server server;
    private ServerConnector connector;
    private WebAppContext context;
    private int maxThreads = 200;
    private long stopTimeout;
    private org.eclipse.jetty.http.UriCompliance uriCompliance;
    private boolean jmx;
    private final java.util.List<String> overrideDescriptors = new java.util.ArrayList<>();

    public ProxyServer param(String name, String value)
    {
        params.put(name, value);
        return this;
    }

    /** One route named "main" on "/" to the given backends, plus any params set before. */
    public ProxyServer route(String name, String path, String backends)
    {
        String routes = params.getOrDefault("wsproxy.routes", "");
        params.put("wsproxy.routes", routes.isEmpty() ? name : routes + "," + name);
        params.put("wsproxy.route." + name + ".path", path);
        params.put("wsproxy.route." + name + ".backends", backends);
        return this;
    }

    /** A smaller request thread pool, to show that nothing waits on a backend while holding a thread. */
    public ProxyServer maxThreads(int maxThreads)
    {
        this.maxThreads = maxThreads;
        return this;
    }

    /**
     * Jetty's graceful stop, as jetty-base sets it (the graceful module's jetty.server.stopTimeout): {@link #stop()}
     * first shuts down the Graceful components (the proxy's drain) and waits for them up to this long. Like
     * jetty-base, the connector's shutdown idle timeout is off, so idle connections are not cut a second in.
     */
    public ProxyServer stopTimeout(java.time.Duration stopTimeout)
    {
        this.stopTimeout = stopTimeout.toMillis();
        return this;
    }

    /**
     * A web.xml applied on top of webapp/WEB-INF/web.xml, the way jetty-base applies etc/wsproxy-override.xml:
     * the one way to give the filter or the servlet an init-param.
     */
    public ProxyServer overrideDescriptor(Path descriptor)
    {
        overrideDescriptors.add(descriptor.toAbsolutePath().toString());
        return this;
    }

    /**
     * What an operator does to accept ambiguous URIs ({@code %2e%2e}, {@code %2F}...): the connector allows
     * {@code compliance}'s violations and the servlet API decodes such URIs instead of failing them.
     */
    public ProxyServer uriCompliance(org.eclipse.jetty.http.UriCompliance compliance)
    {
        this.uriCompliance = compliance;
        return this;
    }

    /** What jetty-base's jmx module does: the server gets an MBeanContainer on the platform MBean server. */
    public ProxyServer jmx()
    {
        this.jmx = true;
        return this;
    }

    public ProxyServer start() throws Exception
    {
        org.eclipse.jetty.util.thread.QueuedThreadPool threads = new org.eclipse.jetty.util.thread.QueuedThreadPool(maxThreads, Math.min(8, maxThreads));
        threads.setName("proxy");
        server = new Server(threads);
        if (jmx)
            server.addBean(new org.eclipse.jetty.jmx.MBeanContainer(java.lang.management.ManagementFactory.getPlatformMBeanServer()));
        org.eclipse.jetty.server.HttpConfiguration http = new org.eclipse.jetty.server.HttpConfiguration();
        if (uriCompliance != null)
            http.setUriCompliance(uriCompliance);
        connector = new ServerConnector(server, new org.eclipse.jetty.server.HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        if (stopTimeout > 0)
        {
            server.setStopTimeout(stopTimeout);
            connector.setShutdownIdleTimeout(-1);
        }
        context = new WebAppContext();
        context.setContextPath("/");
        context.setWar(Path.of("webapp").toAbsolutePath().toString());
        // A failed listener must fail start(), not leave a 503 context behind, so tests see the error.
        context.setThrowUnavailableOnStartupException(true);
        params.forEach(context::setInitParameter);
        overrideDescriptors.forEach(context::addOverrideDescriptor);
        if (uriCompliance != null)
            context.getServletHandler().setDecodeAmbiguousURIs(true);
        JettyWebSocketServletContainerInitializer.configure(context, null);
        server.setHandler(context);
        server.start();
        return this;
    }

    public int port()
    {
        return connector.getLocalPort();
    }

    public String httpUrl(String path)
    {
        return "http://127.0.0.1:" + port() + path;
    }

    public String wsUrl(String path)
    {
        return "ws://127.0.0.1:" + port() + path;
    }

    /** The running proxy's pools, to look at endpoints, counters and snapshots. */
    public org.wsproxy.upstream.Pools pools()
    {
        return (org.wsproxy.upstream.Pools)context.getServletContext().getAttribute(org.wsproxy.upstream.Pools.class.getName());
    }

    /** A named pool with its backends (`url weight=N backup drain` entries), declared in wsproxy.pools. */
    public ProxyServer pool(String name, String backends)
    {
        String pools = params.getOrDefault("wsproxy.pools", "");
        params.put("wsproxy.pools", pools.isEmpty() ? name : pools + "," + name);
        params.put("wsproxy.pool." + name + ".backends", backends);
        return this;
    }

    /** A route served by a named pool. */
    public ProxyServer poolRoute(String name, String path, String pool)
    {
        String routes = params.getOrDefault("wsproxy.routes", "");
        params.put("wsproxy.routes", routes.isEmpty() ? name : routes + "," + name);
        params.put("wsproxy.route." + name + ".path", path);
        params.put("wsproxy.route." + name + ".pool", pool);
        return this;
    }

    public WebAppContext context()
    {
        return context;
    }

    public void stop() throws Exception
    {
        if (server != null)
            server.stop();
    }
}
