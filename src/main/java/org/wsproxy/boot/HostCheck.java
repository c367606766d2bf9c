package org.wsproxy.boot;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first listener of web.xml: refuses a host the WAR cannot serve (Jetty 12.1 ee10/ee11 and Tomcat 10.1/11 it can) before anything touches Jetty's
 * classes, so that the deployment fails with one line saying why and what to use instead, rather than
 * with a {@code NoClassDefFoundError} or {@code NoSuchMethodError}, or deploying and then failing every
 * WebSocket. It uses only the Servlet API and class names: it must load on any servlet host.
 * <p>
 * The relay runs on the server's own websocket-core (and {@code RelayHandshaker} copies websocket-core
 * internals, the same in 12.0 and 12.1), and the client upgrade reaches Jetty's core request through the environment's
 * servlet classes: so Jetty 12.0 or 12.1 (what differs between them is host/JettyApi's), the ee10 or ee11 environment
 * (websocket/ServletEnvironment; 12.0 has no ee11), and those classes visible to the webapp.
 */
public class HostCheck implements ServletContextListener
{
    /** Set on the context when the host is refused, so that the listeners after this one do nothing. */
    public static final String REFUSED = HostCheck.class.getName() + ".refused";
    static final String WANTED = "wsproxy: this WAR needs Jetty 12.0 or 12.1 with the ee10 or ee11 environment";
    static final String REMEDY = "deploy it in jetty-home 12.0 or 12.1 with the modules ee10-deploy, ee10-websocket-jetty and "
        + "ee10-websocket-jetty-client-webapp (or their ee11 twins), as jetty-base/ does (README, \"Hosts\")";
    private static final java.util.Set<String> ENVIRONMENTS = java.util.Set.of("ee10", "ee11");
    /** One class per server module the WAR takes from the server rather than bundling. */
    static final List<String> SERVER_CLASSES = List.of(
        "org.eclipse.jetty.server.Request",
        "org.eclipse.jetty.%s.servlet.ServletContextRequest",
        "org.eclipse.jetty.websocket.core.server.WebSocketServerComponents",
        "org.eclipse.jetty.websocket.core.client.WebSocketCoreClient");

    static final String TOMCAT_WANTED = "wsproxy: this WAR needs Tomcat 10.1 or 11 with its WebSocket support";
    static final String TOMCAT_REMEDY = "deploy it in Tomcat 10.1 or 11 as it is built (README, \"Hosts\")";
    private static final String TOMCAT_CONTEXT = "org.apache.catalina.";
    /** Where Tomcat (any Jakarta WebSocket host) puts its server container. */
    static final String TOMCAT_WEBSOCKET = "jakarta.websocket.server.ServerContainer";
    /** On Tomcat: the Jetty parts the WAR bundles (backend client, HTTP proxy), and the session class whose reads it pauses. */
    static final List<String> TOMCAT_CLASSES = List.of(
        "org.eclipse.jetty.websocket.core.client.WebSocketCoreClient",
        "org.eclipse.jetty.ee10.proxy.AsyncProxyServlet",
        "org.apache.tomcat.websocket.WsSession");
    // Tomcat's server info unless the operator changed it: "Apache Tomcat/10.1.48".
    private static final Pattern TOMCAT_INFO = Pattern.compile("Apache Tomcat/(\\d+)\\.(\\d+)\\..*");

    private static final Logger LOG = LoggerFactory.getLogger(HostCheck.class);
    // The ServletContext is the server's own class, in its environment's package
    // (org.eclipse.jetty.ee10.servlet.ServletContextHandler$ServletContextApi), and its jar says the version.
    private static final Pattern JETTY_CONTEXT = Pattern.compile("org\\.eclipse\\.jetty\\.(?:(ee\\d+)\\.)?.*");
    // What Jetty reports as its server info unless the operator changed it: "jetty/12.1.12".
    private static final Pattern JETTY_INFO = Pattern.compile("jetty/(\\S+)", Pattern.CASE_INSENSITIVE);

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ClassLoader webapp = loader != null ? loader : HostCheck.class.getClassLoader();
        Optional<String> refusal = isTomcat(context)
            ? tomcatRefusal(context.getServerInfo(), context.getAttribute(TOMCAT_WEBSOCKET) != null, name -> visible(name, webapp))
            : refusal(context.getServerInfo(), context.getClass().getName(),
                context.getClass().getPackage() == null ? null : context.getClass().getPackage().getImplementationVersion(),
                name -> fromServer(name, webapp));
        if (refusal.isEmpty())
            return;
        context.setAttribute(REFUSED, refusal.get());
        LOG.error(refusal.get());
        throw new IllegalStateException(refusal.get());
    }

    /**
     * @param serverInfo {@link ServletContext#getServerInfo()}
     * @param contextClass the class name of the host's {@link ServletContext}
     * @param contextVersion the Implementation-Version of that class's jar, or null
     * @param visible whether the webapp can load a class
     * @return the line to fail the deployment with, or empty when the host can serve the WAR
     */
    static Optional<String> refusal(String serverInfo, String contextClass, String contextVersion, Predicate<String> visible)
    {
        Matcher jetty = JETTY_CONTEXT.matcher(contextClass);
        if (!jetty.matches())
            return Optional.of(WANTED + "; found " + serverInfo + ": " + REMEDY);
        Matcher info = JETTY_INFO.matcher(String.valueOf(serverInfo));
        String version = contextVersion != null ? contextVersion : info.matches() ? info.group(1) : "unknown";
        String environment = jetty.group(1);
        String found = "Jetty " + version + (environment != null ? " with the " + environment + " environment" : "");
        if (!version.startsWith("12.1.") && !version.startsWith("12.0."))
            return Optional.of(WANTED + "; found " + found + " (its websocket-core differs): " + REMEDY);
        if (!ENVIRONMENTS.contains(environment))
            return Optional.of(WANTED + "; found " + found + ": " + REMEDY);
        for (String pattern : SERVER_CLASSES)
        {
            String name = pattern.formatted(environment);
            if (!visible.test(name))
                return Optional.of(WANTED + " and its Jetty classes; found " + found + ", but the webapp cannot see " + name
                    + " (a module missing, or WEB-INF/jetty-" + environment + "-web.xml removed from the WAR): " + REMEDY);
        }
        return Optional.empty();
    }

    /**
     * Whether the server gives the webapp {@code name}: the WAR bundles Jetty's classes for Tomcat (WEB-INF/lib), which on
     * Jetty are used only for what the server lacks (WEB-INF/jetty-ee10-web.xml); so a class the webapp's own loader
     * defined means the server's is missing or hidden.
     */
    static boolean fromServer(String name, ClassLoader webapp)
    {
        try
        {
            return Class.forName(name, false, webapp).getClassLoader() != webapp;
        }
        catch (ClassNotFoundException | LinkageError x)
        {
            return false;
        }
    }

    /** Whether the host is Tomcat (its ServletContext is Catalina's): then org.wsproxy.tomcat accepts the client side. */
    public static boolean isTomcat(ServletContext context)
    {
        return context.getClass().getName().startsWith(TOMCAT_CONTEXT);
    }

    /**
     * @param serverInfo {@link ServletContext#getServerInfo()} of a Tomcat
     * @param webSocket whether Tomcat's WebSocket server container is there (the Jakarta WebSocket API)
     * @param visible whether the webapp can load a class
     * @return the line to fail the deployment with, or empty when this Tomcat can serve the WAR
     */
    static Optional<String> tomcatRefusal(String serverInfo, boolean webSocket, Predicate<String> visible)
    {
        Matcher info = TOMCAT_INFO.matcher(String.valueOf(serverInfo));
        // An operator may have changed the server info: then the version is not known, and the checks below decide.
        if (info.matches())
        {
            int major = Integer.parseInt(info.group(1));
            int minor = Integer.parseInt(info.group(2));
            if (major < 10 || major == 10 && minor < 1)
                return Optional.of(TOMCAT_WANTED + "; found " + serverInfo + " (it has no Jakarta WebSocket upgrade from a filter, nor a way "
                    + "to pause a session's reads): " + TOMCAT_REMEDY);
        }
        if (!webSocket)
            return Optional.of(TOMCAT_WANTED + "; found " + serverInfo + " without its WebSocket support (no " + TOMCAT_WEBSOCKET
                + " in the servlet context; is lib/tomcat-websocket.jar there, and the WsSci not excluded?): " + TOMCAT_REMEDY);
        for (String name : TOMCAT_CLASSES)
        {
            if (!visible.test(name))
                return Optional.of(TOMCAT_WANTED + "; found " + serverInfo + ", but the webapp cannot see " + name
                    + " (the Jetty jars in WEB-INF/lib removed from the WAR?): " + TOMCAT_REMEDY);
        }
        return Optional.empty();
    }

    private static boolean visible(String name, ClassLoader loader)
    {
        try
        {
            Class.forName(name, false, loader);
            return true;
        }
        catch (ClassNotFoundException | LinkageError x)
        {
            return false;
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
    }
}
