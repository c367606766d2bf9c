package org.wsproxy.boot;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.ConfigException;
import org.wsproxy.config.Params;
import org.wsproxy.config.ProxyConfig;
import org.wsproxy.config.ProxyConfigParser;
import org.wsproxy.config.RouteConfig;
import org.wsproxy.upstream.BackendTls;
import org.wsproxy.observe.StatusReport;

/**
 * Parses the wsproxy.* context-params and starts the {@link ProxyRuntime} before any filter or servlet
 * initialises; stops it when the webapp stops. A bad parameter fails the deployment with one log line
 * that names the parameter, the value and what was expected.
 */
public class ProxyContextListener implements ServletContextListener
{
    private static final Logger LOG = LoggerFactory.getLogger(ProxyContextListener.class);

    /** How long a hop may take to answer the proxy's close (the relay's close timeout) before its connection is dropped. */
    private static final Duration CLOSE_ANSWER = Duration.ofSeconds(6);

    private ProxyRuntime runtime;
    // Only on Tomcat: the thread pool and client-side upgrade it lacks (on Jetty its classes are never loaded).
    private org.wsproxy.tomcat.TomcatHost tomcat;

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
        // Some hosts (Tomcat) call the next listeners after one failed: HostCheck has said why already.
        if (context.getAttribute(HostCheck.REFUSED) != null)
            return;
        Map<String, String> params = new HashMap<>();
        for (String name : Collections.list(context.getInitParameterNames()))
            params.put(name, context.getInitParameter(name));

        ProxyConfig config;
        try
        {
            config = ProxyConfigParser.parse(new Params(params, ProxyConfigParser.PREFIX));
            BackendTls.check(config.backendTls());
        }
        catch (ConfigException x)
        {
            LOG.error(x.getMessage());
            throw x;
        }

        if (config.backendTls().trustAll())
            LOG.warn("wsproxy: {}=true: the certificates of https:// and wss:// backends are NOT checked (any certificate, any host name " +
                "is accepted, so anyone on the path can pose as a backend); for development only", ProxyConfigParser.BACKEND_TRUST_ALL);

        if (HostCheck.isTomcat(context))
        {
            // Tomcat: Jetty's clients get a thread pool of the proxy's own, and clients upgrade through the Jakarta WebSocket API.
            try
            {
                tomcat = org.wsproxy.tomcat.TomcatHost.start(context);
            }
            catch (Exception x)
            {
                LOG.error("wsproxy: could not start on Tomcat: {}", x.toString());
                throw new IllegalStateException("wsproxy: could not start on Tomcat: " + x, x);
            }
            runtime = new ProxyRuntime(config, tomcat.executor(), null, null, jmxDomain(context.getContextPath()));
            start(runtime);
            runtime.publish(context);
            tomcat.publish(context);
        }
        else
        {
            // Without these jetty-home modules the runtime would fail later on a missing class, which names neither.
            requireClass("org.eclipse.jetty.websocket.core.server.WebSocketServerComponents", "ee10-websocket-jetty");
            requireClass("org.eclipse.jetty.websocket.core.client.WebSocketCoreClient", "ee10-websocket-jetty-client-webapp");

            // Jetty publishes its thread pool under this name (Jetty's own ProxyServlet takes it from there too).
            org.eclipse.jetty.server.Server server = org.wsproxy.websocket.ServletEnvironment.of(context).contextHandler().getServer();
            runtime = new ProxyRuntime(config, (Executor)context.getAttribute("org.eclipse.jetty.server.Executor"), server.getByteBufferPool(),
                server, jmxDomain(context.getContextPath()));
            start(runtime);
            runtime.publish(context);
            // A bean of the webapp's context, so the server's graceful stop (Graceful.shutdown of its whole tree, before
            // the connectors close) finds it; unmanaged, since the runtime starts and stops it.
            org.wsproxy.websocket.ServletEnvironment.of(context).contextHandler().addBean(runtime.drain(), false);
        }
        if (config.drain().readinessEnabled())
        {
            // Like the admin endpoint, an exact path, preferred over the proxy's "/"; no token: balancers carry none.
            context.addServlet("wsproxy-readiness", new ReadinessServlet(runtime.drain())).addMapping(config.drain().readinessPath());
            LOG.info("wsproxy readiness at {}{} (200 ready, 503 draining)", context.getContextPath(), config.drain().readinessPath());
        }
        if (config.admin().enabled())
        {
            // Registered only when configured: an exact path, which the servlet container prefers over the proxy's "/".
            jakarta.servlet.ServletRegistration.Dynamic admin = context.addServlet("wsproxy-admin", new AdminServlet(config, runtime.pools(), runtime.webSocketProxy(), runtime.guards(),
                runtime.drain()));
            admin.addMapping(config.admin().path());
            LOG.info("wsproxy admin endpoint at {}{} for {} (bearer token required)", context.getContextPath(), config.admin().path(), config.admin().allow());
        }
        if (config.observe().enabled())
        {
            String path = config.observe().path();
            jakarta.servlet.ServletRegistration.Dynamic observe = context.addServlet("wsproxy-observe", new ObserveServlet(config.observe(), runtime.metrics(),
                new StatusReport(runtime.router().routes(), runtime.pools(), runtime.webSocketProxy(), runtime.metrics()), runtime.pools()));
            observe.addMapping(path + "/*");
            LOG.info("wsproxy metrics at {}{}/metrics, status page at {}{}/status, for {} (no token)", context.getContextPath(), path,
                context.getContextPath(), path, config.observe().allow());
        }
        for (RouteConfig route : config.routes())
        {
            LOG.info("wsproxy route {}: {}{} -> pool {} {} (websocket {}, connectTimeout {}, idleTimeout {}, readTimeout {})",
                route.name(), context.getContextPath(), route.pathPrefix(), route.pool(), runtime.pools().get(route.pool()).snapshot(),
                route.websocket() ? "on" : "off",
                route.connectTimeout(), route.idleTimeout(), route.readTimeout());
        }
    }

    private static void start(ProxyRuntime runtime)
    {
        try
        {
            runtime.start();
        }
        catch (Exception x)
        {
            throw new IllegalStateException("wsproxy: could not start: " + x, x);
        }
    }

    /** Fails the deployment with one line naming the jetty-home module that provides {@code className}, when it is missing. */
    static void requireClass(String className, String module)
    {
        try
        {
            Class.forName(className, false, ProxyContextListener.class.getClassLoader());
        }
        catch (ClassNotFoundException | LinkageError x)
        {
            String message = "wsproxy: the server lacks Jetty's " + module + " module (no " + className + "); add it: " +
                "java -jar $JETTY_HOME/start.jar --add-modules=" + module;
            LOG.error(message);
            throw new IllegalStateException(message, x);
        }
    }

    /** One JMX domain per webapp: "wsproxy", or "wsproxy.<context path>" for a webapp not at the root. */
    static String jmxDomain(String contextPath)
    {
        String name = contextPath.replaceAll("[^A-Za-z0-9_-]+", ".").replaceAll("^\\.+|\\.+$", "");
        return name.isEmpty() ? "wsproxy" : "wsproxy." + name;
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        if (runtime == null)
            return;
        // An undeploy (or a stop without Jetty's graceful phase) drains here; after a graceful stop this returns at once.
        org.eclipse.jetty.server.handler.ContextHandler context =
            tomcat == null ? org.wsproxy.websocket.ServletEnvironment.of(event.getServletContext()).contextHandler() : null;
        if (context != null && connectorsClosed(context.getServer()))
            LOG.info("wsproxy: the server's connectors are closed: no client is left to drain");
        else
            drain(runtime.drain());
        if (context != null)
            context.removeBean(runtime.drain());
        runtime.unpublish(event.getServletContext());
        try
        {
            runtime.stop();
        }
        catch (Exception x)
        {
            LOG.warn("wsproxy: stopping failed", x);
        }
        runtime = null;
        if (tomcat != null)
        {
            try
            {
                tomcat.stop(event.getServletContext());
            }
            catch (Exception x)
            {
                LOG.warn("wsproxy: stopping the Tomcat thread pool failed", x);
            }
            tomcat = null;
        }
    }

    /**
     * Whether Jetty is stopping with its connectors already closed, as it stops them before its contexts: every
     * connection a client had is gone, and a request cut that way never completes its async context, so a drain
     * would wait its whole bound (46 s by default) for nothing.
     */
    static boolean connectorsClosed(org.eclipse.jetty.server.Server server)
    {
        if (server == null || !server.isStopping())
            return false;
        for (org.eclipse.jetty.server.Connector connector : server.getConnectors())
        {
            if (connector.isRunning())
                return false;
        }
        return true;
    }

    /** Drains and waits for it, at most the drain's timeout and spread plus the time a hop has to answer a close. */
    private static void drain(GracefulDrain drain)
    {
        Duration bound = drain.config().timeout().plus(drain.config().spread()).plus(CLOSE_ANSWER);
        try
        {
            drain.drain("the webapp is stopping").get(bound.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException x)
        {
            LOG.warn("wsproxy: drain not complete after {}; the sessions left are closed now", bound);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        catch (ExecutionException x)
        {
            LOG.warn("wsproxy: drain failed", x.getCause());
        }
    }
}
