package org.wsproxy.boot;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.util.InetAddressSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.BackendConfig;
import org.wsproxy.config.ObserveConfig;
import org.wsproxy.observe.ProxyMetrics;
import org.wsproxy.observe.RateLimitedLog;
import org.wsproxy.observe.StatusPage;
import org.wsproxy.observe.StatusReport;
import org.wsproxy.upstream.Pool;
import org.wsproxy.upstream.Pools;

/**
 * The observation endpoints under {@code wsproxy.observe.path}, for callers in {@code wsproxy.observe.allow} only
 * (others get 403), without a token: {@code /metrics} (Prometheus text), {@code /status} (the HTML page, also at
 * the path itself), {@code /status.json} (the same data for scripts) and {@code POST /action}, the page's drain,
 * enable and re-weight. An action must carry the page's anti-CSRF token in the {@code X-Wsproxy-Csrf} header (a
 * header another site's form cannot send, nor its script without a CORS preflight this never answers) and, when
 * the browser says where it comes from (Origin, Sec-Fetch-Site), come from this same origin; each is logged with
 * the caller's address.
 */
class ObserveServlet extends HttpServlet
{
    private static final Logger LOG = LoggerFactory.getLogger(ObserveServlet.class);
    static final String CSRF_HEADER = "X-Wsproxy-Csrf";
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final ProxyMetrics metrics;
    private final StatusReport report;
    private final Pools pools;
    private final InetAddressSet allowed = new InetAddressSet();
    private final String csrfToken;
    private final RateLimitedLog outsiders = new RateLimitedLog(LOG, AdminServlet.REFUSAL_LOG_INTERVAL);

    ObserveServlet(ObserveConfig config, ProxyMetrics metrics, StatusReport report, Pools pools)
    {
        this.metrics = metrics;
        this.report = report;
        this.pools = pools;
        config.allow().forEach(allowed::add);
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        this.csrfToken = HexFormat.of().formatHex(random);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        if (!allowed.test(InetAddress.getByName(request.getRemoteAddr())))
        {
            outsiders.warn("wsproxy observe: refused {} {} from {} (not in wsproxy.observe.allow)", request.getMethod(), request.getRequestURI(), request.getRemoteAddr());
            text(response, HttpServletResponse.SC_FORBIDDEN, "403 Forbidden\n");
            return;
        }
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        String method = request.getMethod();
        boolean get = method.equals("GET") || method.equals("HEAD");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        switch (path)
        {
            case "/metrics" ->
            {
                if (get)
                    send(response, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
                else
                    notAllowed(response, "GET, HEAD");
            }
            case "", "/", "/status" ->
            {
                if (get)
                {
                    response.setHeader("Content-Security-Policy", PAGE_POLICY);
                    response.setHeader("X-Frame-Options", "DENY");
                    send(response, "text/html;charset=utf-8", StatusPage.html(request.getContextPath() + request.getServletPath(), csrfToken));
                }
                else
                    notAllowed(response, "GET, HEAD");
            }
            case "/status.json" ->
            {
                if (get)
                    send(response, "application/json", report.json());
                else
                    notAllowed(response, "GET, HEAD");
            }
            case "/action" ->
            {
                if (method.equals("POST"))
                    action(request, response);
                else
                    notAllowed(response, "POST");
            }
            default -> text(response, HttpServletResponse.SC_NOT_FOUND, "404 Not Found\n");
        }
    }

    private void action(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        String who = request.getRemoteAddr();
        String token = request.getHeader(CSRF_HEADER);
        if (token == null || !MessageDigest.isEqual(csrfToken.getBytes(StandardCharsets.US_ASCII), token.getBytes(StandardCharsets.UTF_8)) || !sameOrigin(request))
        {
            LOG.warn("wsproxy status page: refused an action from {} (no or wrong {} header, or another origin)", who, CSRF_HEADER);
            text(response, HttpServletResponse.SC_FORBIDDEN, "403 Forbidden: reload the status page and try again\n");
            return;
        }
        String poolName = request.getParameter("pool");
        String backend = request.getParameter("backend");
        String action = request.getParameter("action");
        Pool pool = poolName == null ? null : find(poolName);
        if (pool == null || backend == null || action == null)
        {
            text(response, HttpServletResponse.SC_BAD_REQUEST, "pool, backend and action are needed, and the pool must exist\n");
            return;
        }
        List<BackendConfig> backends = new ArrayList<>(PoolChanges.current(pool));
        int index = -1;
        for (int i = 0; i < backends.size(); i++)
        {
            if (backends.get(i).uri().toString().equals(backend))
                index = i;
        }
        if (index < 0)
        {
            text(response, HttpServletResponse.SC_NOT_FOUND, "pool " + pool.name() + " has no backend " + backend + "\n");
            return;
        }
        BackendConfig b = backends.get(index);
        BackendConfig changed;
        switch (action)
        {
            case "drain" -> changed = new BackendConfig(b.uri(), b.weight(), b.backup(), true);
            case "enable" -> changed = new BackendConfig(b.uri(), b.weight(), b.backup(), false);
            case "weight" ->
            {
                int weight;
                try
                {
                    weight = Integer.parseInt(String.valueOf(request.getParameter("weight")).trim());
                }
                catch (NumberFormatException x)
                {
                    weight = 0;
                }
                if (weight < 1 || weight > BackendConfig.MAX_WEIGHT)
                {
                    text(response, HttpServletResponse.SC_BAD_REQUEST, "weight must be a whole number from 1 to " + BackendConfig.MAX_WEIGHT + "\n");
                    return;
                }
                changed = new BackendConfig(b.uri(), weight, b.backup(), b.drain());
            }
            default ->
            {
                text(response, HttpServletResponse.SC_BAD_REQUEST, "action must be drain, enable or weight\n");
                return;
            }
        }
        backends.set(index, changed);
        LOG.info("wsproxy status page: {} {} in pool {} by {}", action + (action.equals("weight") ? " " + changed.weight() : ""), backend, pool.name(), who);
        PoolChanges.apply(pools, Map.of(pool.name(), backends), "the status page (" + who + ")");
        text(response, HttpServletResponse.SC_OK, action + " " + backend + " in pool " + pool.name() + ": done\n");
    }

    /** When the browser says where the request comes from, it must be this page's own origin. */
    private static boolean sameOrigin(HttpServletRequest request)
    {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin"))
            return false;
        String origin = request.getHeader("Origin");
        if (origin == null)
            return true;
        try
        {
            String authority = URI.create(origin).getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(request.getHeader("Host"));
        }
        catch (IllegalArgumentException x)
        {
            return false;
        }
    }

    private Pool find(String name)
    {
        for (Pool pool : pools.all())
        {
            if (pool.name().equals(name))
                return pool;
        }
        return null;
    }

    private static void notAllowed(HttpServletResponse response, String allow) throws IOException
    {
        response.setHeader("Allow", allow);
        text(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "405 Method Not Allowed\n");
    }

    private static void text(HttpServletResponse response, int status, String body) throws IOException
    {
        response.setStatus(status);
        send(response, "text/plain;charset=utf-8", body);
    }

    private static void send(HttpServletResponse response, String type, String body) throws IOException
    {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentType(type);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
