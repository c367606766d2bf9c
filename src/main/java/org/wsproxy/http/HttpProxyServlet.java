package org.wsproxy.http;

import java.io.IOException;
import java.nio.channels.WritePendingException;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.ConfigException;
import org.wsproxy.config.HttpClientConfig;
import org.wsproxy.config.Params;
import org.wsproxy.config.ProxyConfigParser;
import org.wsproxy.forward.ForwardingPolicy;
import org.wsproxy.route.Route;
import org.wsproxy.route.Router;
import org.wsproxy.route.TargetUri;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Upstream;
import org.wsproxy.upstream.Upstreams;

/**
 * Plain HTTP through Jetty's {@link AsyncProxyServlet} (bodies streamed both ways with servlet async
 * I/O), with the target chosen by the shared routes and upstreams and headers by the shared policy.
 * Jetty's own init-params (preserveHost, timeout, maxThreads...) are refused: the wsproxy.* context-params
 * say the same thing once for both the WebSocket and the HTTP side.
 */
public class HttpProxyServlet extends AsyncProxyServlet
{
    private static final Logger LOG = LoggerFactory.getLogger(HttpProxyServlet.class);
    private static final String ENDPOINT_ATTRIBUTE = HttpProxyServlet.class.getName() + ".endpoint";
    private static final String ROUTE_ATTRIBUTE = HttpProxyServlet.class.getName() + ".route";

    private HttpClientConfig clientConfig;
    private Router router;
    private Upstreams upstreams;
    private ForwardingPolicy forwarding;

    @Override
    public void init() throws ServletException
    {
        Map<String, String> initParams = new HashMap<>();
        for (String name : Collections.list(getServletConfig().getInitParameterNames()))
            initParams.put(name, getServletConfig().getInitParameter(name));
        try
        {
            clientConfig = ProxyConfigParser.parseHttpClient(new Params(initParams, ""));
        }
        catch (ConfigException x)
        {
            LOG.error(x.getMessage());
            // Not UnavailableException: Jetty swallows that one from init() and starts the webapp with this
            // servlet answering 404 to every request; a ServletException fails the deployment, as it must.
            throw new ServletException(x.getMessage(), x);
        }

        ServletContext context = getServletContext();
        router = (Router)context.getAttribute(Router.class.getName());
        upstreams = (Upstreams)context.getAttribute(Upstreams.class.getName());
        forwarding = (ForwardingPolicy)context.getAttribute(ForwardingPolicy.class.getName());
        if (router == null || upstreams == null || forwarding == null)
            throw new ServletException("wsproxy: the runtime is missing; is org.wsproxy.boot.ProxyContextListener declared in web.xml?");
        super.init();
        // No total time limit: a long download or an event stream is fine as long as bytes keep coming (readTimeout).
        setTimeout(0);
    }

    @Override
    public void destroy()
    {
        // After a failed init() Jetty still destroys the servlet; Jetty's destroy() then fails on its unset client and logger.
        if (getHttpClient() != null)
            super.destroy();
    }

    @Override
    protected HttpClient createHttpClient() throws ServletException
    {
        HttpClient client = super.createHttpClient();
        client.setMaxConnectionsPerDestination(clientConfig.maxConnectionsPerBackend());
        // The client has one connect timeout: the longest any route allows.
        long connectTimeout = router.routes().stream().mapToLong(r -> r.connectTimeout().toMillis()).max().orElse(15000);
        client.setConnectTimeout(connectTimeout);
        return client;
    }

    @Override
    protected String rewriteTarget(HttpServletRequest request)
    {
        String uri = request.getRequestURI();
        String path = uri.substring(Math.min(request.getContextPath().length(), uri.length()));
        Route route = router.match(path);
        if (route == null)
            return null;
        Upstream upstream = upstreams.get(route.upstream());
        Endpoint endpoint = upstream.select(List.of());
        request.setAttribute(ROUTE_ATTRIBUTE, route);
        request.setAttribute(ENDPOINT_ATTRIBUTE, endpoint);
        return TargetUri.resolve(endpoint.uri(), route, path, request.getQueryString(), false).toString();
    }

    @Override
    protected void onProxyRewriteFailed(HttpServletRequest request, HttpServletResponse response)
    {
        sendProxyResponseError(request, response, HttpServletResponse.SC_NOT_FOUND);
    }

    @Override
    protected void copyRequestHeaders(HttpServletRequest request, Request proxyRequest)
    {
        HttpFields.Mutable headers = HttpFields.build();
        forwarding.forEachHeader(request, headers::add);
        proxyRequest.headers(h -> h.clear().add(headers));
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest request, Request proxyRequest)
    {
        // X-Forwarded-* and Forwarded came with copyRequestHeaders, by the shared policy.
        addViaHeader(request, proxyRequest);
    }

    @Override
    protected void sendProxyRequest(HttpServletRequest request, HttpServletResponse response, Request proxyRequest)
    {
        Route route = (Route)request.getAttribute(ROUTE_ATTRIBUTE);
        long readTimeout = route.readTimeout().toMillis();
        if (readTimeout > 0)
            proxyRequest.idleTimeout(readTimeout, TimeUnit.MILLISECONDS);
        super.sendProxyRequest(request, response, proxyRequest);
    }

    @Override
    protected void onServerResponseHeaders(HttpServletRequest request, HttpServletResponse response, Response serverResponse)
    {
        Route route = (Route)request.getAttribute(ROUTE_ATTRIBUTE);
        upstreams.get(route.upstream()).reportSuccess((Endpoint)request.getAttribute(ENDPOINT_ATTRIBUTE));
        super.onServerResponseHeaders(request, response, serverResponse);
    }

    @Override
    protected StreamWriter newWriteListener(HttpServletRequest request, Response proxyResponse)
    {
        return new FlushingWriter(request, proxyResponse);
    }

    @Override
    protected void onProxyResponseFailure(HttpServletRequest request, HttpServletResponse response, Response serverResponse, Throwable failure)
    {
        Route route = (Route)request.getAttribute(ROUTE_ATTRIBUTE);
        Endpoint endpoint = (Endpoint)request.getAttribute(ENDPOINT_ATTRIBUTE);
        if (serverResponse == null || serverResponse.getStatus() == 0)
            upstreams.get(route.upstream()).reportFailure(endpoint);
        LOG.info("http {} {} -> {} failed: {}", request.getMethod(), request.getRequestURI(), endpoint, failure.toString());
        super.onProxyResponseFailure(request, response, serverResponse, failure);
    }

    /**
     * Writes each piece of the backend's body to the client and flushes it, so an event stream or a slow
     * chunked response reaches the client as it is produced: Jetty's {@code StreamWriter} never flushes, and
     * the servlet output holds writes under its aggregation size (8 KiB) until more arrive. (A 1-byte
     * response buffer would also pass pieces on, but Jetty then writes a body one byte per write call:
     * the benchmark measured 2.8 ms of CPU for a 723-byte page.) A flush after the last write of a
     * response with a Content-Length is a no-op.
     */
    private class FlushingWriter extends StreamWriter
    {
        private final HttpServletRequest request;
        private State state = State.IDLE;
        private byte[] buffer;
        private int offset;
        private int length;
        private Callback callback;

        private FlushingWriter(HttpServletRequest request, Response proxyResponse)
        {
            super(request, proxyResponse);
            this.request = request;
        }

        @Override
        protected void data(byte[] bytes, int offset, int length, Callback callback)
        {
            if (state != State.IDLE)
                throw new WritePendingException();
            this.state = State.READY;
            this.buffer = bytes;
            this.offset = offset;
            this.length = length;
            this.callback = callback;
        }

        @Override
        public void onWritePossible() throws IOException
        {
            ServletOutputStream output = request.getAsyncContext().getResponse().getOutputStream();
            // Each step runs when the previous one has completed, here or on a later call.
            if (state == State.READY)
            {
                state = State.WRITING;
                output.write(buffer, offset, length);
                if (!output.isReady())
                    return;
            }
            if (state == State.WRITING)
            {
                state = State.FLUSHING;
                output.flush();
                if (!output.isReady())
                    return;
            }
            if (state == State.FLUSHING)
                complete();
        }

        @Override
        protected void complete()
        {
            Callback done = callback;
            buffer = null;
            callback = null;
            state = State.IDLE;
            // Last: the callback may bring the next piece, reentrantly.
            done.succeeded();
        }
    }

    private enum State
    {
        IDLE, READY, WRITING, FLUSHING
    }
}
