package org.wsproxy.boot;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

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

/**
 * Parses the wsproxy.* context-params and starts the {@link ProxyRuntime} before any filter or servlet
 * initialises; stops it when the webapp stops. A bad parameter fails the deployment with one log line
 * that names the parameter, the value and what was expected.
 */
public class ProxyContextListener implements ServletContextListener
{
    private static final Logger LOG = LoggerFactory.getLogger(ProxyContextListener.class);

    private ProxyRuntime runtime;

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
        }
        catch (ConfigException x)
        {
            LOG.error(x.getMessage());
            throw x;
        }

        // Jetty publishes its thread pool under this name (Jetty's own ProxyServlet takes it from there too).
        org.eclipse.jetty.server.Server server = org.wsproxy.websocket.ServletEnvironment.of(context).contextHandler().getServer();
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
        if (config.admin().enabled())
        {
            // Registered only when configured: an exact path, which the servlet container prefers over the proxy's "/".
            jakarta.servlet.ServletRegistration.Dynamic admin = context.addServlet("wsproxy-admin", new AdminServlet(config, runtime.pools(), runtime.webSocketProxy(), runtime.guards()));
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
}
