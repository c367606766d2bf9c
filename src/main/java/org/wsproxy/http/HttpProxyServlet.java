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
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.BackendTlsConfig;
import org.wsproxy.config.ConfigException;
import org.wsproxy.drain.Draining;
import org.wsproxy.upstream.BackendTls;
import org.wsproxy.config.HttpClientConfig;
import org.wsproxy.config.Params;
import org.wsproxy.config.ProxyConfigParser;
import org.wsproxy.config.RequestBodyConfig;
import org.wsproxy.forward.ForwardingPolicy;
import org.wsproxy.forward.RequestKeys;
import org.wsproxy.guard.Admission;
import org.wsproxy.guard.EdgeGuards;
import org.wsproxy.host.JettyApi;
import org.wsproxy.route.RequestPath;
import org.wsproxy.route.Route;
import org.wsproxy.route.Router;
import org.wsproxy.route.TargetUri;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Lease;
import org.wsproxy.upstream.Pool;
import org.wsproxy.upstream.Pools;
import org.wsproxy.upstream.RequestKey;

/**
 * Plain HTTP through Jetty's {@link AsyncProxyServlet} (bodies moved with servlet async I/O: a request body's
 * first {@code requestBufferSize} bytes read before a backend is chosen, the rest and the response streamed), with
 * the target chosen by the shared routes and upstreams and headers by the shared policy.
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
    /** Set when the path could not be normalised (a ".." above the root, only with ambiguous URIs allowed): 400. */
    private static final String BAD_PATH_ATTRIBUTE = HttpProxyServlet.class.getName() + ".badPath";
    private static final String BODY_ATTRIBUTE = HttpProxyServlet.class.getName() + ".body";
    private static final String WRITER_ATTRIBUTE = HttpProxyServlet.class.getName() + ".writer";
    private static final String MATCHED_ATTRIBUTE = HttpProxyServlet.class.getName() + ".matched";

    private HttpClientConfig clientConfig;
    private Router router;
    private Pools pools;
    private ForwardingPolicy forwarding;
    private RequestBodyConfig bodyConfig;
    private UploadsPerClient uploads;
    private EdgeGuards guards;
    private Draining draining;
    private BackendTlsConfig tlsConfig;
    private ExchangeObserver observer = ExchangeObserver.NONE;
    // The servlet environment's classes (ee10 or ee11), found once: the core request and response under the servlet ones.
    private org.wsproxy.websocket.ServletEnvironment environment;

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
        bodyConfig = (RequestBodyConfig)context.getAttribute(RequestBodyConfig.class.getName());
        guards = (EdgeGuards)context.getAttribute(EdgeGuards.class.getName());
        draining = (Draining)context.getAttribute(Draining.ATTRIBUTE);
        tlsConfig = (BackendTlsConfig)context.getAttribute(BackendTlsConfig.class.getName());
        if (router == null || pools == null || forwarding == null || bodyConfig == null || guards == null)
            throw new ServletException("wsproxy: the runtime is missing; is org.wsproxy.boot.ProxyContextListener declared in web.xml?");
        uploads = new UploadsPerClient(bodyConfig.maxPerClient());
        // On a host that is not Jetty (Tomcat) there is no core request: exchanges are then observed through the servlet API.
        environment = org.wsproxy.websocket.ServletEnvironment.isJetty(context) ? org.wsproxy.websocket.ServletEnvironment.of(context) : null;
        if (context.getAttribute(ExchangeObserver.class.getName()) instanceof ExchangeObserver given)
            observer = given;
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
    protected org.eclipse.jetty.io.ClientConnector newClientConnector()
    {
        org.eclipse.jetty.io.ClientConnector connector = super.newClientConnector();
        if (tlsConfig != null)
            connector.setSslContextFactory(BackendTls.sslContextFactory(tlsConfig));
        return connector;
    }

    @Override
    protected HttpClient createHttpClient() throws ServletException
    {
        HttpClient client = super.createHttpClient();
        client.setMaxConnectionsPerDestination(clientConfig.maxConnectionsPerBackend());
        // The client has one connect timeout: the longest any route allows.
        long connectTimeout = router.routes().stream().mapToLong(r -> r.connectTimeout().toMillis()).max().orElse(15000);
        client.setConnectTimeout(connectTimeout);
        // A backend connection's idle timeout is the request's readTimeout while a request is on it, and the client's
        // when it is back in the pool: Jetty sets the one, then restores the other, and each change to a shorter timeout
        // cancels and re-arms the connection's timer on the client's scheduler, waking its thread, on every request.
        // The client's is therefore the longest readTimeout of the routes (60 s by default, nginx's upstream
        // keepalive_timeout), so that on a route with that readTimeout neither change re-arms anything; on a route
        // with a shorter one, the timer is re-armed once per request, as it was with Jetty's 30 s for every route.
        long idleTimeout = router.routes().stream().mapToLong(r -> r.readTimeout().toMillis()).max().orElse(0);
        if (idleTimeout > 0)
            client.setIdleTimeout(idleTimeout);
        // Response content is read into heap buffers: ProxyServlet hands each piece on as a byte[], and a direct
        // buffer would be copied into a new array for every piece of every response.
        client.setUseInputDirectByteBuffers(false);
        // The response listeners never block (content goes out through servlet async I/O, completion and retries are
        // asynchronous), so the backend's response is handled on the selector thread that read it, without a hand-off
        // (Jetty 12.1; 12.0 cannot be told).
        JettyApi.HOST.nonBlocking(client.getTransport());
        return client;
    }

    /**
     * A request without a body is Jetty's recipe as it is. A request with one has its body read first, up to
     * {@code requestBufferSize}, and only then gets a backend and a connection to it ({@link RequestBody}): a client
     * that sends slowly, or stalls, holds no backend connection meanwhile. At most {@code maxUploadsPerClient} such
     * bodies per client address are taken in at a time; more are refused with 429 before any byte of them is read.
     */
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException
    {
        if (draining != null && draining.isDraining())
        {
            // A new request once the drain's notice is over: requests already in flight go on; this one goes elsewhere.
            if (draining.refusesNew())
            {
                sendProxyResponseError(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE);
                return;
            }
            // During the notice it is served, and its connection closed after the answer: a kept-alive client (an L4
            // balancer pins it here) opens its next one through the balancer, which by then sends it elsewhere.
            response.setHeader("Connection", "close");
        }
        if (!admitted(request, response))
            return;
        if (observer != ExchangeObserver.NONE)
        {
            if (environment == null)
            {
                proxyObserved(request, response);
                return;
            }
            observeCompletion(request);
        }
        proxy(request, response);
    }

    /**
     * The exchange observed through the servlet API, on a host without Jetty's core request (Tomcat): its end is when
     * its async processing completes, or when this returns without any.
     */
    private void proxyObserved(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException
    {
        long started = System.nanoTime();
        Route route = matched(request).route();
        Runnable completed = () -> observer.completed(route, response.getStatus(), System.nanoTime() - started);
        try
        {
            proxy(request, response);
        }
        finally
        {
            OnAsyncComplete.whenDone(request, completed);
        }
    }

    /** Jetty's recipe, or for a request with a body, its body read first. */
    private void proxy(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException
    {
        if (!hasContent(request))
        {
            super.service(request, response);
            return;
        }
        Matched matched = matched(request);
        String path = matched.path();
        if (path == null || matched.route() == null)
        {
            if (path == null)
                request.setAttribute(BAD_PATH_ATTRIBUTE, Boolean.TRUE);
            onProxyRewriteFailed(request, response);
            return;
        }
        String client = forwarding.clientAddress(request);
        UploadsPerClient.Admission admission = uploads.acquire(client);
        if (admission != UploadsPerClient.Admission.ADMITTED)
        {
            if (admission == UploadsPerClient.Admission.REFUSED)
                LOG.info("http {} {}: client {} has {} request bodies in progress already (wsproxy.maxUploadsPerClient); 429 until one ends",
                    request.getMethod(), request.getRequestURI(), client, uploads.max());
            response.setHeader("Retry-After", "1");
            sendProxyResponseError(request, response, 429);
            return;
        }
        AsyncContext async = request.startAsync();
        // The client's silence is timed by the body (clientBodyTimeout), the backend's by the backend request (readTimeout).
        async.setTimeout(0);
        RequestBody body = new RequestBody(request.getInputStream(), request.getContentLengthLong(), request.getContentType(),
            bodyConfig, getHttpClient().getScheduler(), new BodyExchange(request, response, client));
        request.setAttribute(BODY_ATTRIBUTE, body);
        request.getInputStream().setReadListener(body);
    }

    /** A request's normalised path (null when it cannot be normalised) and the route it matches (or null). */
    private record Matched(String path, Route route)
    {
    }

    /**
     * Worked out once per request: admission, the metrics and the target all need it, and normalising the path and
     * matching the routes each time cost on every request.
     */
    private Matched matched(HttpServletRequest request)
    {
        Matched matched = (Matched)request.getAttribute(MATCHED_ATTRIBUTE);
        if (matched == null)
        {
            String path = RequestPath.of(request);
            matched = new Matched(path, path == null ? null : router.match(path));
            request.setAttribute(MATCHED_ATTRIBUTE, matched);
        }
        return matched;
    }

    /** The edge's client address lists, before any body is read or backend chosen; 403 already sent when false. */
    private boolean admitted(HttpServletRequest request, HttpServletResponse response)
    {
        Route route = matched(request).route();
        if (route == null)
            return true;
        Admission admission = guards.admitRequest(route, request);
        if (admission.isAdmitted())
            return true;
        sendProxyResponseError(request, response, admission.refusal().status());
        return false;
    }

    /** Tells the observer the status and time of this exchange once it has completed, whichever way it ends. */
    private void observeCompletion(HttpServletRequest request)
    {
        long started = System.nanoTime();
        Route route = matched(request).route();
        org.eclipse.jetty.server.Request coreRequest = environment.coreRequest(request);
        org.eclipse.jetty.server.Response coreResponse = environment.coreResponse(coreRequest);
        org.eclipse.jetty.server.Request.addCompletionListener(coreRequest, failure ->
            observer.completed(route, failure != null && !coreResponse.isCommitted() ? 500 : coreResponse.getStatus(), System.nanoTime() - started));
    }

    @Override
    protected String rewriteTarget(HttpServletRequest request)
    {
        Matched matched = matched(request);
        String path = matched.path();
        if (path == null)
        {
            request.setAttribute(BAD_PATH_ATTRIBUTE, Boolean.TRUE);
            return null;
        }
        Route route = matched.route();
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

    /** Jetty's, with the target URI that {@link #rewriteTarget} parsed already, instead of parsing its string again. */
    @Override
    protected Request newProxyRequest(HttpServletRequest request, String rewrittenTarget)
    {
        Attempts attempts = attempts(request);
        java.net.URI target = attempts == null ? null : attempts.target;
        if (target == null || !target.toString().equals(rewrittenTarget))
            return super.newProxyRequest(request, rewrittenTarget);
        return getHttpClient().newRequest(target)
            .method(request.getMethod())
            .attribute(CLIENT_REQUEST_ATTRIBUTE, request);
    }

    @Override
    protected void onProxyRewriteFailed(HttpServletRequest request, HttpServletResponse response)
    {
        if (request.getAttribute(BAD_PATH_ATTRIBUTE) != null)
        {
            sendProxyResponseError(request, response, HttpServletResponse.SC_BAD_REQUEST);
            return;
        }
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
        // Always set, 0 too (no idle timeout): left unset, the request would get the client's, the longest of the routes'.
        proxyRequest.idleTimeout(attempts(request).route.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        FlushingWriter writer = (FlushingWriter)request.getAttribute(WRITER_ATTRIBUTE);
        if (writer == null)
        {
            // Set before the backend is asked, from the container's thread: the container's first call to it then comes
            // when this dispatch returns, on this thread, and the backend's content is written from the thread that read
            // it. Set when the first content arrives (Jetty's way), that first call is a dispatch to another thread.
            writer = new FlushingWriter(request);
            request.setAttribute(WRITER_ATTRIBUTE, writer);
            writer.exchange(proxyRequest);
            try
            {
                response.getOutputStream().setWriteListener(writer);
            }
            catch (IOException x)
            {
                proxyRequest.abort(x);
            }
        }
        else
        {
            writer.exchange(proxyRequest);
        }
        super.sendProxyRequest(request, response, proxyRequest);
    }

    @Override
    protected void onResponseContent(HttpServletRequest request, HttpServletResponse response, Response proxyResponse, byte[] buffer,
                                     int offset, int length, Callback callback)
    {
        try
        {
            FlushingWriter writer = (FlushingWriter)request.getAttribute(WRITER_ATTRIBUTE);
            writer.data(buffer, offset, length, callback);
            writer.onWritePossible();
        }
        catch (Throwable x)
        {
            callback.failed(x);
            proxyResponse.abort(x);
        }
    }

    @Override
    protected void onServerResponseHeaders(HttpServletRequest request, HttpServletResponse response, Response serverResponse)
    {
        Attempts attempts = attempts(request);
        Endpoint endpoint = attempts.lease.endpoint();
        attempts.pool.reportSuccess(endpoint);
        if (attempts.tried.size() > 1)
            observer.failedOver(attempts.route);
        // Not super's: Jetty's re-serializes each value (ResponseHeaders says how); values must pass unchanged.
        ResponseHeaders.copy(serverResponse, response);
        String setCookie = attempts.pool.stickyCookie(attempts.key, endpoint,
            request.getContextPath().isEmpty() ? "/" : request.getContextPath(), request.isSecure());
        if (setCookie != null)
            response.addHeader("Set-Cookie", setCookie);
    }

    @Override
    protected Response.Listener newProxyResponseListener(HttpServletRequest request, HttpServletResponse response)
    {
        return new ResponseListener(request, response);
    }

    /**
     * Jetty's listener, except when a backend answers in full before it has read the whole request body (a 413 to a
     * streamed upload): Jetty's waits for the request to complete too, which a client that sends nothing more
     * (waiting for that answer) would put off until its body timeout. The answer is delivered as soon as it is
     * complete, and the body's reading ended; the exchange's completion that follows is then ignored.
     */
    private class ResponseListener extends ProxyResponseListener
    {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final AtomicBoolean answered = new AtomicBoolean();

        private ResponseListener(HttpServletRequest request, HttpServletResponse response)
        {
            super(request, response);
            this.request = request;
            this.response = response;
        }

        @Override
        public void onSuccess(Response serverResponse)
        {
            RequestBody body = body(request);
            if (body != null && !body.isSucceeded() && answered.compareAndSet(false, true))
                onProxyResponseSuccess(request, response, serverResponse);
        }

        @Override
        public void onComplete(Result result)
        {
            if (answered.compareAndSet(false, true))
                super.onComplete(result);
        }
    }


    @Override
    protected void onProxyResponseFailure(HttpServletRequest request, HttpServletResponse response, Response serverResponse, Throwable failure)
    {
        Attempts attempts = attempts(request);
        Pool pool = attempts.pool;
        Endpoint endpoint = attempts.lease.endpoint();
        RequestBody body = body(request);
        Throwable clientFailure = body == null ? null : body.clientFailure(failure);
        if (body != null)
            body.end();
        if (clientFailure != null)
        {
            // The client's body failed and the backend request was abandoned for it: nothing to hold against the backend.
            attempts.lease.release();
            answerClientFailure(request, response, clientFailure, endpoint);
            return;
        }
        boolean noResponse = serverResponse == null || serverResponse.getStatus() == 0;
        if (noResponse)
        {
            pool.reportFailure(endpoint);
            observer.attemptFailed(attempts.route, endpoint, failure.toString());
        }
        // Released after the outcome is reported, so that no request in flight means every outcome is in.
        attempts.lease.release();
        Endpoint next = noResponse && mayRetry(request, response, attempts, failure) ? pool.pick(attempts.key, attempts.tried) : null;
        LOG.info("http {} {} -> {} failed: {}{}", request.getMethod(), request.getRequestURI(), endpoint, failure.toString(),
            next == null ? "" : "; trying " + next);
        if (next != null)
        {
            observer.requestRetried(attempts.route);
            Request proxyRequest = newProxyRequest(request, attempts.start(next, request.getQueryString()));
            copyRequestHeaders(request, proxyRequest);
            addProxyHeaders(request, proxyRequest);
            sendProxyRequest(request, response, proxyRequest);
            return;
        }
        super.onProxyResponseFailure(request, response, serverResponse, failure);
    }

    /**
     * nginx's answers: 408 for a silent client, 400 for a malformed body. Jetty reports a malformed chunk to the
     * servlet as an early EOF, like a client that went away; the 400 is sent in both cases, and a client that went
     * away gets nothing, its connection being gone.
     *
     * @param endpoint the backend whose request was abandoned, or null when none was chosen yet
     */
    private void answerClientFailure(HttpServletRequest request, HttpServletResponse response, Throwable failure, Endpoint endpoint)
    {
        int status = ClientFailures.status(failure);
        // DEBUG, not INFO: the client's doing, as often as it likes (nginx logs these at info, below its default level).
        if (LOG.isDebugEnabled())
            LOG.debug("http {} {} -> {}: the client's request body failed, not counted against any backend: {}; answered {}", request.getMethod(),
                request.getRequestURI(), endpoint == null ? "(none yet)" : endpoint, failure.toString(), status);
        sendProxyResponseError(request, response, status);
    }

    /** Jetty's recipe for the part after the body was read (or its first {@code requestBufferSize} bytes were). */
    private Request sendWithBody(HttpServletRequest request, HttpServletResponse response, Request.Content content)
    {
        String target = rewriteTarget(request);
        if (target == null)
        {
            onProxyRewriteFailed(request, response);
            return null;
        }
        Request proxyRequest = newProxyRequest(request, target);
        copyRequestHeaders(request, proxyRequest);
        addProxyHeaders(request, proxyRequest);
        // The proxy is taking the body itself (Jetty answered an Expect: 100-continue when it was first read): the
        // backend must not wait for its own 100 before it gets what the client already sent.
        proxyRequest.headers(headers -> headers.remove(HttpHeader.EXPECT));
        proxyRequest.body(content);
        sendProxyRequest(request, response, proxyRequest);
        return proxyRequest;
    }

    /** What a {@link RequestBody} asks of the servlet, for one request. */
    private class BodyExchange implements RequestBody.Exchange
    {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final String client;

        private BodyExchange(HttpServletRequest request, HttpServletResponse response, String client)
        {
            this.request = request;
            this.response = response;
            this.client = client;
        }

        @Override
        public Request send(Request.Content content)
        {
            return sendWithBody(request, response, content);
        }

        @Override
        public void clientFailed(Throwable failure)
        {
            answerClientFailure(request, response, failure, null);
        }

        @Override
        public void ended()
        {
            uploads.release(client);
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

    /**
     * The proxy's own answers (502, 504, 503, 404...) carry a short generic text, the status and its reason
     * phrase: Jetty's error page would show the servlet's name, the server's version and the request's URI,
     * and a cause is for the log, where the failure's INFO line names it with the backend. Once a piece of
     * the backend's body went to Jetty's writer (its attribute below), or the response is committed, Jetty's
     * own handling stays, which cuts the response short.
     */
    @Override
    protected void sendProxyResponseError(HttpServletRequest request, HttpServletResponse response, int status)
    {
        FlushingWriter writer = (FlushingWriter)request.getAttribute(WRITER_ATTRIBUTE);
        if (response.isCommitted() || writer != null && writer.wroteContent())
        {
            super.sendProxyResponseError(request, response, status);
            return;
        }
        try
        {
            // No header of a backend's failed response survives (Content-Length, Content-Encoding...); ours does.
            String retryAfter = response.getHeader("Retry-After");
            response.reset();
            if (retryAfter != null)
                response.setHeader("Retry-After", retryAfter);
            response.setStatus(status);
            response.setHeader("Connection", "close");
            response.setHeader("Cache-Control", "no-store");
            response.setContentType("text/plain;charset=utf-8");
            byte[] body = (status + " " + org.eclipse.jetty.http.HttpStatus.getMessage(status) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            response.setContentLength(body.length);
            // A few bytes into the response buffer, sent when the exchange completes: nothing waits on the client.
            response.getOutputStream().write(body);
        }
        catch (Exception x)
        {
            LOG.debug("http {} {}: could not answer {}", request.getMethod(), request.getRequestURI(), status, x);
            super.sendProxyResponseError(request, response, status);
            return;
        }
        if (request.isAsyncStarted())
            request.getAsyncContext().complete();
    }

    @Override
    protected void onProxyResponseSuccess(HttpServletRequest request, HttpServletResponse response, Response serverResponse)
    {
        RequestBody body = body(request);
        if (body != null)
            body.end();
        attempts(request).lease.release();
        super.onProxyResponseSuccess(request, response, serverResponse);
    }

    private static Attempts attempts(HttpServletRequest request)
    {
        return (Attempts)request.getAttribute(ATTEMPTS_ATTRIBUTE);
    }

    /** @return the request's body, or null for a request without one */
    private static RequestBody body(HttpServletRequest request)
    {
        return (RequestBody)request.getAttribute(BODY_ATTRIBUTE);
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

        private Attempts(Route route, Pool pool, RequestKey key, String path)
        {
            this.route = route;
            this.pool = pool;
            this.key = key;
            this.path = path;
            this.deadline = System.nanoTime() + route.retry().timeout().toNanos();
        }

        /** The current try's target, parsed once: Jetty's recipe passes it on as a string, which the client would parse again. */
        private volatile java.net.URI target;

        /** @return the target URI on {@code endpoint}, now the one this request counts against */
        String start(Endpoint endpoint, String query)
        {
            tried.add(endpoint);
            lease = endpoint.lease(false);
            java.net.URI uri = TargetUri.resolve(endpoint.uri(), route, path, query, false);
            target = uri;
            return uri.toString();
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
    /**
     * Writes the backend's content to the client through servlet async I/O, one piece at a time, each flushed (an
     * event stream is passed on as it comes), the next piece asked for when this one is out. Called both by the thread
     * that read a piece from the backend and by the container when a write that could not complete at once has; the
     * lock and the {@code isReady()} check keep the two apart.
     */
    private static final class FlushingWriter implements WriteListener
    {
        private final HttpServletRequest request;
        private State state = State.IDLE;
        private byte[] buffer;
        private int offset;
        private int length;
        private Callback callback;
        private boolean wrote;
        private volatile Request exchange;

        private FlushingWriter(HttpServletRequest request)
        {
            this.request = request;
        }

        /** The backend request whose response this writes, aborted if the client's side fails; a retry replaces it. */
        void exchange(Request exchange)
        {
            this.exchange = exchange;
        }

        synchronized boolean wroteContent()
        {
            return wrote;
        }

        synchronized void data(byte[] bytes, int offset, int length, Callback callback)
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
            Callback done;
            synchronized (this)
            {
                ServletOutputStream output = request.getAsyncContext().getResponse().getOutputStream();
                // Not ready: a write is pending, and the container calls again when it completes.
                if (state == State.IDLE || !output.isReady())
                    return;
                // Each step runs when the previous one has completed, here or on a later call.
                if (state == State.READY)
                {
                    state = State.WRITING;
                    wrote = true;
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
                done = callback;
                buffer = null;
                callback = null;
                state = State.IDLE;
            }
            // Outside the lock: the callback may bring the next piece, reentrantly.
            done.succeeded();
        }

        @Override
        public void onError(Throwable failure)
        {
            Request current = exchange;
            if (current != null)
                current.abort(failure);
        }
    }

    private enum State
    {
        IDLE, READY, WRITING, FLUSHING
    }
}
