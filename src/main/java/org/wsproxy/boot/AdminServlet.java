package org.wsproxy.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.util.InetAddressSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.AdminConfig;
import org.wsproxy.config.BackendConfig;
import org.wsproxy.config.ConfigException;
import org.wsproxy.config.PoolsFile;
import org.wsproxy.config.ProxyConfig;
import org.wsproxy.guard.EdgeGuards;
import org.wsproxy.observe.RateLimitedLog;
import org.wsproxy.upstream.Endpoint;
import org.wsproxy.upstream.Member;
import org.wsproxy.upstream.Pool;
import org.wsproxy.upstream.Pools;
import org.wsproxy.websocket.WebSocketProxy;

/**
 * The admin endpoint, registered only when {@code wsproxy.admin.path} and {@code wsproxy.admin.token} are
 * configured. A caller outside {@code wsproxy.admin.allow} gets 403, one without the bearer token 401,
 * whatever the method (OPTIONS and TRACE included: the endpoint says nothing, not even which methods it has);
 * a request with two {@code Authorization} headers gets 400. Refusals are logged at most once per
 * {@link #REFUSAL_LOG_INTERVAL} per kind, with the count of those left out.
 * <ul>
 * <li>{@code GET}: the WebSocket relay counts (live, opened, failed handshakes), the edge's (live sessions, and
 * refusals per route and cause), then each pool's members
 * with weight, flags, health and counters (handshakes in progress, queued, and refused by the handshake cap,
 * by cause), each WebSocket route's relay refusals and keepalive losses per hop, as text.</li>
 * <li>{@code POST} (or {@code PUT}) with a body in the pools file's syntax: the pools it lists take those
 * backends, validated whole first, like a change of the pools file (sessions are never closed); 400 naming
 * the bad key and value otherwise, with nothing changed.</li>
 * <li>{@code POST ?action=drain} (no body): drains this instance, as a graceful stop would (readiness 503, new
 * upgrades and requests 503 after {@code drainNotice}, live sessions closed with 1001 after {@code drainTimeout}, over
 * {@code drainSpread}); 202 at once, with the live session count. One-way until the webapp restarts.</li>
 * </ul>
 */
class AdminServlet extends HttpServlet
{
    private static final Logger LOG = LoggerFactory.getLogger(AdminServlet.class);
    private static final int MAX_BODY = 64 * 1024;
    /** A scanner can cause refusals at will: one line per this interval and kind, with a count, is enough to see it. */
    static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);
    private static final String ALLOW = "GET, HEAD, POST, PUT, OPTIONS";

    private final ProxyConfig config;
    private final Pools pools;
    private final WebSocketProxy webSocketProxy;
    private final EdgeGuards guards;
    private final GracefulDrain drain;
    private final byte[] token;
    private final InetAddressSet allowed = new InetAddressSet();
    private final RateLimitedLog outsiders = new RateLimitedLog(LOG, REFUSAL_LOG_INTERVAL);
    private final RateLimitedLog wrongTokens = new RateLimitedLog(LOG, REFUSAL_LOG_INTERVAL);

    AdminServlet(ProxyConfig config, Pools pools, WebSocketProxy webSocketProxy, EdgeGuards guards, GracefulDrain drain)
    {
        this.guards = guards;
        this.config = config;
        this.pools = pools;
        this.webSocketProxy = webSocketProxy;
        this.drain = drain;
        AdminConfig admin = config.admin();
        this.token = ("Bearer " + admin.token()).getBytes(StandardCharsets.UTF_8);
        admin.allow().forEach(allowed::add);
    }

    /**
     * Every method goes through the allow-list and the token before {@link HttpServlet} dispatches it: its
     * default OPTIONS would otherwise list the methods to anyone, and its default 405s say which exist.
     */
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException
    {
        if (authorized(request, response))
            super.service(request, response);
    }

    /** 403, 400 or 401 already sent when false. */
    private boolean authorized(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        if (!allowed.test(java.net.InetAddress.getByName(request.getRemoteAddr())))
        {
            outsiders.warn("wsproxy admin: refused {} {} from {} (not in wsproxy.admin.allow)", request.getMethod(), request.getRequestURI(), request.getRemoteAddr());
            refuse(response, HttpServletResponse.SC_FORBIDDEN);
            return false;
        }
        Enumeration<String> values = request.getHeaders("Authorization");
        String authorization = values.hasMoreElements() ? values.nextElement() : null;
        if (values.hasMoreElements())
        {
            // Authorization is a single-value field (RFC 9110 11.6.2): which of two to believe is not ours to pick.
            wrongTokens.warn("wsproxy admin: refused {} {} from {} (two Authorization headers)", request.getMethod(), request.getRequestURI(), request.getRemoteAddr());
            refuse(response, HttpServletResponse.SC_BAD_REQUEST);
            return false;
        }
        // Exact and in constant time (MessageDigest.isEqual takes as long whatever the bytes): no trimming, no
        // case folding, nothing that tells a guesser how close it came. (A space or tab at the end of the line
        // on the wire is not part of the value, RFC 9110 5.5: Jetty's parser drops it before this sees it.)
        if (authorization == null || !MessageDigest.isEqual(token, authorization.getBytes(StandardCharsets.UTF_8)))
        {
            wrongTokens.warn("wsproxy admin: refused {} {} from {} (no or wrong token)", request.getMethod(), request.getRequestURI(), request.getRemoteAddr());
            response.setHeader("WWW-Authenticate", "Bearer realm=\"wsproxy\"");
            refuse(response, HttpServletResponse.SC_UNAUTHORIZED);
            return false;
        }
        return true;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        state(response, HttpServletResponse.SC_OK, "");
    }

    @Override
    protected void doOptions(HttpServletRequest request, HttpServletResponse response)
    {
        response.setHeader("Allow", ALLOW);
    }

    @Override
    protected void doTrace(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        // HttpServlet's TRACE echoes the request's headers, the token among them, into the body.
        response.setHeader("Allow", ALLOW);
        refuse(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED);
    }

    @Override
    protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        doPost(request, response);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        // From the query string only: getParameter would read a form-encoded body (curl -d's default type) as parameters.
        String query = request.getQueryString();
        if (query != null)
        {
            if (!"action=drain".equals(query))
            {
                refuse(response, HttpServletResponse.SC_BAD_REQUEST);
                return;
            }
            LOG.info("wsproxy admin: drain asked by {}", request.getRemoteAddr());
            drain.drain("the admin endpoint (" + request.getRemoteAddr() + ")");
            state(response, HttpServletResponse.SC_ACCEPTED, "draining\n");
            return;
        }
        byte[] body = request.getInputStream().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY)
        {
            refuse(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        Map<String, List<BackendConfig>> backends;
        try
        {
            backends = PoolsFile.parseListed(new String(body, StandardCharsets.UTF_8), config);
        }
        catch (ConfigException x)
        {
            LOG.info("wsproxy admin: change from {} refused: {}", request.getRemoteAddr(), x.getMessage());
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            response.setContentType("text/plain;charset=utf-8");
            response.getWriter().println(x.getMessage() + "\nnothing changed");
            return;
        }
        List<String> changed = PoolChanges.apply(pools, backends, "the admin endpoint (" + request.getRemoteAddr() + ")");
        state(response, HttpServletResponse.SC_OK, "changed: " + (changed.isEmpty() ? "nothing" : String.join(", ", changed)) + "\n");
    }

    /**
     * The status and its reason as plain text: Jetty's error page would name this servlet and the server's
     * version to whoever was refused.
     */
    private static void refuse(HttpServletResponse response, int status) throws IOException
    {
        response.setStatus(status);
        response.setContentType("text/plain;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().println(status + " " + org.eclipse.jetty.http.HttpStatus.getMessage(status));
    }

    private void state(HttpServletResponse response, int status, String head) throws IOException
    {
        StringBuilder text = new StringBuilder(head);
        java.time.Duration drained = drain.elapsed();
        text.append("drain ").append(drained == null ? "no (ready)" : "since " + drained.toMillis() + "ms (" + drain.config().timeout() +
            " for sessions to end, then 1001 over " + drain.config().spread() + ")").append('\n');
        text.append("websocket relays live=").append(webSocketProxy.relays().size())
            .append(" opened=").append(webSocketProxy.relaysOpened())
            .append(" handshakesFailed=").append(webSocketProxy.handshakesFailed()).append('\n');
        text.append(guards.describe());
        for (org.wsproxy.relay.RelayPolicy policy : webSocketProxy.relayPolicies())
            text.append("websocket route ").append(policy.route()).append(' ').append(policy.counts()).append('\n');
        for (Pool pool : pools.all())
        {
            Pool.Snapshot snapshot = pool.snapshot();
            text.append("pool ").append(pool.name()).append(" v").append(snapshot.version()).append(' ').append(pool.balancer().name()).append('\n');
            for (Member member : snapshot.members())
            {
                Endpoint e = member.endpoint();
                text.append("  ").append(e.uri()).append(" weight=").append(member.weight())
                    .append(member.backup() ? " backup" : "").append(member.drain() ? " drain" : "")
                    .append(e.isUp() ? " up" : " down").append(e.isEjected() ? " ejected" : "")
                    .append(" sessions=").append(e.sessions()).append(" requests=").append(e.requests())
                    .append(" served=").append(e.served()).append(" failures=").append(e.failures())
                    .append(" handshakes=").append(e.handshakes().active()).append(" handshakesQueued=").append(e.handshakes().queued())
                    .append(" refusedQueueFull=").append(e.handshakes().refusedQueueFull())
                    .append(" refusedQueueTimeout=").append(e.handshakes().refusedQueueTimeout()).append('\n');
            }
        }
        response.setStatus(status);
        response.setContentType("text/plain;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().print(text);
    }
}
