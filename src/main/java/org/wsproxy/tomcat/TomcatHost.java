package org.wsproxy.tomcat;

import java.util.concurrent.Executor;

import jakarta.servlet.ServletContext;
import jakarta.websocket.server.ServerContainer;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.wsproxy.websocket.ClientHandshake;

/**
 * What Tomcat (10.1 or 11) lacks that the proxy takes from Jetty when it runs there: a thread pool for Jetty's clients
 * (the backends' WebSocket client and the HTTP proxy's, which takes it from the servlet-context attribute Jetty
 * publishes its own under), and the client side's upgrade, through the Jakarta WebSocket API ({@link JakartaUpgrade}).
 * Made by boot.ProxyContextListener only when boot.HostCheck found Tomcat: its classes need the Jakarta WebSocket API,
 * which a Jetty without that module does not give the webapp.
 */
public final class TomcatHost
{
    /** The attribute Jetty publishes its thread pool under, where Jetty's ProxyServlet looks for it. */
    public static final String EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";

    private final QueuedThreadPool threads;
    private final JakartaUpgrade upgrade;

    private TomcatHost(QueuedThreadPool threads, JakartaUpgrade upgrade)
    {
        this.threads = threads;
        this.upgrade = upgrade;
    }

    /** Starts the pool; fails naming what is missing when Tomcat's WebSocket support is not there. */
    public static TomcatHost start(ServletContext context) throws Exception
    {
        if (!(context.getAttribute(ServerContainer.class.getName()) instanceof ServerContainer container))
            throw new IllegalStateException("wsproxy: Tomcat's WebSocket support is missing (no " + ServerContainer.class.getName() + " in the servlet context)");
        TomcatSessions tomcat = TomcatSessions.find(Thread.currentThread().getContextClassLoader());
        // Jetty's default sizes: the clients' selectors and callbacks, and the client hops' blocking sends (message
        // parts, pings, closes), each a short wait on one client's socket.
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("wsproxy");
        threads.setDaemon(true);
        threads.start();
        return new TomcatHost(threads, new JakartaUpgrade(container, threads, tomcat));
    }

    public Executor executor()
    {
        return threads;
    }

    /** Before the filter and the servlet initialise: they find the pool and the upgrade here. */
    public void publish(ServletContext context)
    {
        context.setAttribute(EXECUTOR_ATTRIBUTE, threads);
        context.setAttribute(ClientHandshake.ATTRIBUTE, upgrade);
    }

    /** After the runtime stopped: nothing uses the pool any more. */
    public void stop(ServletContext context) throws Exception
    {
        context.removeAttribute(EXECUTOR_ATTRIBUTE);
        context.removeAttribute(ClientHandshake.ATTRIBUTE);
        threads.stop();
    }
}
