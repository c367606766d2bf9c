package org.wsproxy.boot;

import java.util.concurrent.Executor;

import jakarta.servlet.ServletContext;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.wsproxy.config.ProxyConfig;
import org.wsproxy.forward.ForwardingPolicy;
import org.wsproxy.route.Router;
import org.wsproxy.upstream.Upstreams;
import org.wsproxy.websocket.WebSocketProxy;

/**
 * The proxy's shared parts, built once from the config: the router, the upstreams, the forwarding
 * policy and the WebSocket side. Long-lived parts are beans, so they start, stop and dump with this.
 * The filter and the servlet find the parts they need as servlet-context attributes.
 */
public class ProxyRuntime extends ContainerLifeCycle
{
    private final ProxyConfig config;
    private final Router router;
    private final Upstreams upstreams;
    private final ForwardingPolicy forwarding;
    private final WebSocketProxy webSocketProxy;

    /**
     * @param executor the server's thread pool, which the WebSocket side's client shares, or null for its own
     */
    public ProxyRuntime(ProxyConfig config, Executor executor)
    {
        this.config = config;
        this.router = new Router(config.routes());
        this.upstreams = new Upstreams(config.routes());
        this.forwarding = new ForwardingPolicy(config);
        this.webSocketProxy = new WebSocketProxy(upstreams, forwarding, config.maxFrameSize(), executor);
        addBean(router);
        addBean(upstreams);
        addBean(webSocketProxy, true);
    }

    public ProxyConfig config()
    {
        return config;
    }

    public WebSocketProxy webSocketProxy()
    {
        return webSocketProxy;
    }

    void publish(ServletContext context)
    {
        context.setAttribute(ProxyRuntime.class.getName(), this);
        context.setAttribute(Router.class.getName(), router);
        context.setAttribute(Upstreams.class.getName(), upstreams);
        context.setAttribute(ForwardingPolicy.class.getName(), forwarding);
        context.setAttribute(WebSocketProxy.ATTRIBUTE, webSocketProxy);
    }

    void unpublish(ServletContext context)
    {
        context.removeAttribute(ProxyRuntime.class.getName());
        context.removeAttribute(Router.class.getName());
        context.removeAttribute(Upstreams.class.getName());
        context.removeAttribute(ForwardingPolicy.class.getName());
        context.removeAttribute(WebSocketProxy.ATTRIBUTE);
    }
}
