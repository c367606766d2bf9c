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
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.ConfigException;
import org.wsproxy.config.Params;
import org.wsproxy.config.ProxyConfig;
import org.wsproxy.config.ProxyConfigParser;
import org.wsproxy.config.RouteConfig;
import org.wsproxy.upstream.BackendTls;

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

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
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

        // Jetty publishes its thread pool under this name (Jetty's own ProxyServlet takes it from there too).
        org.eclipse.jetty.server.Server server = ServletContextHandler.getServletContextHandler(context).getServer();
        runtime = new ProxyRuntime(config, (Executor)context.getAttribute("org.eclipse.jetty.server.Executor"), server.getByteBufferPool());
        try
        {
            runtime.start();
        }
        catch (Exception x)
        {
            throw new IllegalStateException("wsproxy: could not start: " + x, x);
        }
        runtime.publish(context);
        // A bean of the webapp's context, so the server's graceful stop (Graceful.shutdown of its whole tree, before
        // the connectors close) finds it; unmanaged, since the runtime starts and stops it.
        ServletContextHandler.getServletContextHandler(context).addBean(runtime.drain(), false);
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
        for (RouteConfig route : config.routes())
        {
            LOG.info("wsproxy route {}: {}{} -> pool {} {} (websocket {}, connectTimeout {}, idleTimeout {}, readTimeout {})",
                route.name(), context.getContextPath(), route.pathPrefix(), route.pool(), runtime.pools().get(route.pool()).snapshot(),
                route.websocket() ? "on" : "off",
                route.connectTimeout(), route.idleTimeout(), route.readTimeout());
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        if (runtime == null)
            return;
        // An undeploy (or a stop without Jetty's graceful phase) drains here; after a graceful stop this returns at once.
        drain(runtime.drain());
        ServletContextHandler.getServletContextHandler(event.getServletContext()).removeBean(runtime.drain());
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
