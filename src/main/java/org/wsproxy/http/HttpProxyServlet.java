package org.wsproxy.http;

import java.io.IOException;
import java.nio.channels.WritePendingException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.AsyncRequestContent;
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
import org.wsproxy.forward.RequestKeys;
import org.wsproxy.route.Route;
import org.wsproxy.route.Router;
import org.wsproxy.route.TargetUri;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Lease;
import org.wsproxy.upstream.Pool;
import org.wsproxy.upstream.Pools;
import org.wsproxy.upstream.RequestKey;

/**
 * Plain HTTP through Jetty's {@link AsyncProxyServlet} (bodies streamed both ways with servlet async
 * I/O), with the target chosen by the shared routes and upstreams and headers by the shared policy.
 * Jetty's own init-params (preserveHost, timeout, maxThreads...) are refused: the wsproxy.* context-params
 * say the same thing once for both the WebSocket and the HTTP side.
 */
public class HttpProxyServlet extends AsyncProxyServlet
{
    private static final Logger LOG = LoggerFactory.getLogger(HttpProxyServlet.class);
    private static final String ATTEMPTS_ATTRIBUTE = HttpProxyServlet.class.getName() + ".attempts";
    /** Methods that may be sent twice (RFC 9110 9.2.2); only these are retried, and only without a body. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
    private static final String NO_BACKEND_ATTRIBUTE = HttpProxyServlet.class.getName() + ".noBackend";

    private HttpClientConfig clientConfig;
    private Router router;
    private Pools pools;
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
        pools = (Pools)context.getAttribute(Pools.class.getName());
        forwarding = (ForwardingPolicy)context.getAttribute(ForwardingPolicy.class.getName());
        if (router == null || pools == null || forwarding == null)
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
        Pool pool = pools.get(route.pool());
        RequestKey key = RequestKeys.of(request, forwarding);
        Endpoint endpoint = pool.pick(key, List.of());
        if (endpoint == null)
        {
            request.setAttribute(NO_BACKEND_ATTRIBUTE, pool);
            return null;
        }
        Attempts attempts = new Attempts(route, pool, key, path);
        request.setAttribute(ATTEMPTS_ATTRIBUTE, attempts);
        return attempts.start(endpoint, request.getQueryString());
    }

    @Override
    protected void onProxyRewriteFailed(HttpServletRequest request, HttpServletResponse response)
    {
        if (request.getAttribute(NO_BACKEND_ATTRIBUTE) instanceof Pool pool)
        {
            LOG.info("http {} {}: no eligible backend in pool {}", request.getMethod(), request.getRequestURI(), pool.name());
            response.setHeader("Retry-After", Long.toString(pool.retryAfter().toSeconds()));
            sendProxyResponseError(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            return;
        }
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
        long readTimeout = attempts(request).route.readTimeout().toMillis();
        if (readTimeout > 0)
            proxyRequest.idleTimeout(readTimeout, TimeUnit.MILLISECONDS);
        super.sendProxyRequest(request, response, proxyRequest);
    }

    @Override
    protected void onServerResponseHeaders(HttpServletRequest request, HttpServletResponse response, Response serverResponse)
    {
        Attempts attempts = attempts(request);
        Endpoint endpoint = attempts.lease.endpoint();
        attempts.pool.reportSuccess(endpoint);
        // Not super's: Jetty's re-serializes each value (ResponseHeaders says how); values must pass unchanged.
        ResponseHeaders.copy(serverResponse, response);
        String setCookie = attempts.pool.stickyCookie(attempts.key, endpoint,
            request.getContextPath().isEmpty() ? "/" : request.getContextPath(), request.isSecure());
        if (setCookie != null)
            response.addHeader("Set-Cookie", setCookie);
    }

    @Override
    protected StreamWriter newWriteListener(HttpServletRequest request, Response proxyResponse)
    {
        return new FlushingWriter(request, proxyResponse);
    }

    @Override
    protected void onProxyResponseFailure(HttpServletRequest request, HttpServletResponse response, Response serverResponse, Throwable failure)
    {
        Attempts attempts = attempts(request);
        Pool pool = attempts.pool;
        Endpoint endpoint = attempts.lease.endpoint();
        Throwable clientFailure = attempts.clientFailure;
        if (clientFailure != null)
        {
            // The client's body failed and the backend request was abandoned for it: nothing to hold against the backend.
            attempts.lease.release();
            answerClientFailure(request, response, clientFailure, endpoint);
            return;
        }
        boolean noResponse = serverResponse == null || serverResponse.getStatus() == 0;
        if (noResponse)
            pool.reportFailure(endpoint);
        // Released after the outcome is reported, so that no request in flight means every outcome is in.
        attempts.lease.release();
        Endpoint next = noResponse && mayRetry(request, response, attempts, failure) ? pool.pick(attempts.key, attempts.tried) : null;
        LOG.info("http {} {} -> {} failed: {}{}", request.getMethod(), request.getRequestURI(), endpoint, failure.toString(),
            next == null ? "" : "; trying " + next);
        if (next != null)
        {
            Request proxyRequest = newProxyRequest(request, attempts.start(next, request.getQueryString()));
            copyRequestHeaders(request, proxyRequest);
            addProxyHeaders(request, proxyRequest);
            sendProxyRequest(request, response, proxyRequest);
            return;
        }
        super.onProxyResponseFailure(request, response, serverResponse, failure);
    }

    @Override
    protected int clientRequestStatus(Throwable failure)
    {
        return ClientFailures.status(failure);
    }

    /**
     * nginx's answers: 408 for a silent client, 400 for a malformed body. Jetty reports a malformed chunk to the
     * servlet as an early EOF, like a client that went away; the 400 is sent in both cases, and a client that went
     * away gets nothing, its connection being gone.
     */
    private void answerClientFailure(HttpServletRequest request, HttpServletResponse response, Throwable failure, Endpoint endpoint)
    {
        int status = ClientFailures.status(failure);
        LOG.info("http {} {} -> {}: the client's request body failed, not counted against the backend: {}; answered {}", request.getMethod(),
            request.getRequestURI(), endpoint, failure.toString(), status);
        sendProxyResponseError(request, response, status);
    }

    @Override
    protected ReadListener newReadListener(HttpServletRequest request, HttpServletResponse response, Request proxyRequest, AsyncRequestContent content)
    {
        return new ClientBodyReader(request, response, proxyRequest, content);
    }

    /**
     * Jetty's reader, with its two kinds of failure told apart. Jetty's {@code onError} fails the body sent to the
     * backend, both when reading the client failed and when writing to the backend failed, and the backend request
     * then fails with that cause. Only the first is the client's: it is noted in {@link Attempts#clientFailure}
     * before the backend request is failed with it, so that {@link #onProxyResponseFailure} does not take it for the
     * backend's failure.
     */
    private class ClientBodyReader extends StreamReader
    {
        private final HttpServletRequest request;
        private volatile boolean backendWriteFailed;

        private ClientBodyReader(HttpServletRequest request, HttpServletResponse response, Request proxyRequest, AsyncRequestContent content)
        {
            super(request, response, proxyRequest, content);
            this.request = request;
        }

        @Override
        protected void onRequestContent(HttpServletRequest request, Request proxyRequest, AsyncRequestContent content, byte[] buffer, int offset, int length, Callback callback)
        {
            super.onRequestContent(request, proxyRequest, content, buffer, offset, length, Callback.from(callback.getInvocationType(), callback::succeeded, x ->
            {
                backendWriteFailed = true;
                callback.failed(x);
            }));
        }

        @Override
        public void onError(Throwable failure)
        {
            Attempts attempts = attempts(request);
            if (!backendWriteFailed && attempts != null && attempts.clientFailure == null)
                attempts.clientFailure = failure;
            super.onError(failure);
        }
    }

    /**
     * A failed request is tried on another backend only when that cannot do harm or be noticed: an idempotent
     * method without a body (nothing was consumed from the client), no byte of response sent, the backend
     * not reached or dropping the connection before answering (a read timeout is not retried: a slow backend
     * is slow for the next one too, and the request may be running), and the route's tries and time left.
     */
    private boolean mayRetry(HttpServletRequest request, HttpServletResponse response, Attempts attempts, Throwable failure)
    {
        if (!IDEMPOTENT.contains(request.getMethod()) || hasContent(request) || response.isCommitted())
            return false;
        if (attempts.tried.size() >= attempts.route.retry().maxAttempts() || System.nanoTime() - attempts.deadline >= 0)
            return false;
        boolean io = false;
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof TimeoutException)
                return false;
            io |= t instanceof IOException;
        }
        return io;
    }

    @Override
    protected void onProxyResponseSuccess(HttpServletRequest request, HttpServletResponse response, Response serverResponse)
    {
        attempts(request).lease.release();
        super.onProxyResponseSuccess(request, response, serverResponse);
    }

    private static Attempts attempts(HttpServletRequest request)
    {
        return (Attempts)request.getAttribute(ATTEMPTS_ATTRIBUTE);
    }

    /**
     * One request's route, pool and hash key, worked out once; the backends it tried, and the lease counting
     * it against the current one.
     */
    private static final class Attempts
    {
        private final Route route;
        private final Pool pool;
        private final RequestKey key;
        private final String path;
        private final List<Endpoint> tried = new ArrayList<>();
        private final long deadline;
        private volatile Lease lease;
        /** Set when the client's request body failed: the backend request was abandoned for the client's sake. */
        private volatile Throwable clientFailure;

        private Attempts(Route route, Pool pool, RequestKey key, String path)
        {
            this.route = route;
            this.pool = pool;
            this.key = key;
            this.path = path;
            this.deadline = System.nanoTime() + route.retry().timeout().toNanos();
        }

        /** @return the target URI on {@code endpoint}, now the one this request counts against */
        String start(Endpoint endpoint, String query)
        {
            tried.add(endpoint);
            lease = endpoint.lease(false);
            return TargetUri.resolve(endpoint.uri(), route, path, query, false).toString();
        }
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
