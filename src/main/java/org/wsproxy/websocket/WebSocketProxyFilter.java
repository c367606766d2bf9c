package org.wsproxy.websocket;

import java.io.IOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.UnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.wsproxy.config.Params;
import org.wsproxy.guard.Admission;
import org.wsproxy.guard.EdgeGuards;
import org.wsproxy.drain.Draining;
import org.wsproxy.http.OnAsyncComplete;
import org.wsproxy.route.Route;
import org.wsproxy.route.Router;

/**
 * Accepts WebSocket upgrades on WebSocket routes and relays them to a backend; every other request
 * continues down the chain to the HTTP proxy servlet, so polling and upgrades can share one path.
 * Routing is by path, not by sniffing headers, because HTTP/2 upgrades (extended CONNECT) have no
 * Upgrade header.
 */
public class WebSocketProxyFilter implements Filter
{
    private ClientHandshake clientUpgrade;
    private WebSocketProxy proxy;
    private Router router;
    private EdgeGuards guards;
    private Draining draining;

    @Override
    public void init(FilterConfig config) throws ServletException
    {
        Map<String, String> initParams = new HashMap<>();
        for (String name : Collections.list(config.getInitParameterNames()))
            initParams.put(name, config.getInitParameter(name));
        // No init-params yet: any given is a typo or belongs elsewhere, and must not pass silently.
        new Params(initParams, "").rejectUnknown();

        proxy = (WebSocketProxy)config.getServletContext().getAttribute(WebSocketProxy.ATTRIBUTE);
        router = (Router)config.getServletContext().getAttribute(Router.class.getName());
        guards = (EdgeGuards)config.getServletContext().getAttribute(EdgeGuards.class.getName());
        if (proxy == null || router == null || guards == null)
            throw new UnavailableException("wsproxy: the runtime is missing; is org.wsproxy.boot.ProxyContextListener declared in web.xml?");
        draining = (Draining)config.getServletContext().getAttribute(Draining.ATTRIBUTE);
        // The host's own way to accept an upgrade when it has one (Tomcat: org.wsproxy.tomcat), else Jetty's websocket-core.
        clientUpgrade = config.getServletContext().getAttribute(ClientHandshake.ATTRIBUTE) instanceof ClientHandshake given
            ? given : ClientUpgrade.of(config.getServletContext());
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain) throws IOException, ServletException
    {
        HttpServletRequest request = (HttpServletRequest)servletRequest;
        HttpServletResponse response = (HttpServletResponse)servletResponse;

        if (request.getDispatcherType() == DispatcherType.ASYNC && request.getAttribute(PendingUpgrade.ATTRIBUTE) instanceof PendingUpgrade pending)
        {
            request.removeAttribute(PendingUpgrade.ATTRIBUTE);
            BackendHop hop = pending.upgrade(clientUpgrade, request, response);
            if (hop != null)
                proxy.clientUpgraded(hop);
            return;
        }

        String path = pathInContext(request);
        Route route = router.match(path);
        if (route == null || !route.websocket() || !UpgradeRequests.isUpgrade(request))
        {
            if (draining == null || request.getDispatcherType() != DispatcherType.REQUEST)
                chain.doFilter(request, response);
            else
                counted(request, response, chain);
            return;
        }

        int status = UpgradeRequests.check(request);
        if (status != 0)
        {
            proxy.rejected(route);
            PendingUpgrade.respond(response, status, "wsproxy: malformed WebSocket upgrade request (" +
                (status == 426 ? "Sec-WebSocket-Version must be 13" : "needs Connection: Upgrade and a valid Sec-WebSocket-Key") + ")");
            return;
        }

        if (draining != null && draining.refusesNew())
        {
            // The instance is going away, and the balancer has had the drain's notice to stop sending here: the client
            // retries, through the balancer, on another one. During the notice the upgrade goes on; its session is
            // closed with 1001 with the others at the end of drainTimeout.
            proxy.rejected(route);
            response.setHeader("Connection", "close");
            PendingUpgrade.respond(response, 503, "503 Service Unavailable");
            return;
        }

        // The edge's checks (client address, Origin, rate, session limits), before any backend is contacted.
        Admission admission = guards.admitUpgrade(route, request);
        if (!admission.isAdmitted())
        {
            proxy.rejected(route);
            int refused = admission.refusal().status();
            if (admission.refusal().retryAfterSeconds() >= 0)
                response.setHeader("Retry-After", Long.toString(admission.refusal().retryAfterSeconds()));
            PendingUpgrade.respond(response, refused, refused + " " + org.eclipse.jetty.http.HttpStatus.getMessage(refused));
            return;
        }

        if (clientUpgrade.needsRequestThread())
        {
            BackendHop hop = PendingUpgrade.upgradeOnRequestThread(proxy.connect(route, request, path, admission), proxy.connectBound(route),
                clientUpgrade, request, response);
            if (hop != null)
                proxy.clientUpgraded(hop);
            return;
        }

        AsyncContext async = request.startAsync();
        // The backend connect has its own timeout (the route's connectTimeout); the container's must not race it.
        async.setTimeout(0);
        PendingUpgrade pending = new PendingUpgrade(async);
        async.addListener(pending);
        request.setAttribute(PendingUpgrade.ATTRIBUTE, pending);
        pending.await(proxy.connect(route, request, path, admission));
    }

    /**
     * A plain HTTP request, counted in flight until it ends (when its async processing completes, for the proxied
     * ones), so that a drain on Jetty's graceful stop waits for it.
     */
    private void counted(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException
    {
        draining.requestStarted();
        try
        {
            chain.doFilter(request, response);
        }
        finally
        {
            OnAsyncComplete.whenDone(request, draining::requestEnded);
        }
    }


    static String pathInContext(HttpServletRequest request)
    {
        return org.wsproxy.route.RequestPath.of(request);
    }
}
