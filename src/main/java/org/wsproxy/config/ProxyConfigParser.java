package org.wsproxy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.eclipse.jetty.util.InetAddressPattern;

/**
 * Turns raw parameters into immutable config records, once, at start-up. Each default is written
 * here and only here ({@link #DEFAULTS}); the README's parameter table is checked against it by a test.
 */
public final class ProxyConfigParser
{
    public static final String PREFIX = "wsproxy.";
    public static final String ROUTES = "wsproxy.routes";
    public static final String CONNECT_TIMEOUT = "wsproxy.connectTimeout";
    public static final String IDLE_TIMEOUT = "wsproxy.idleTimeout";
    public static final String READ_TIMEOUT = "wsproxy.readTimeout";
    public static final String PRESERVE_HOST = "wsproxy.preserveHost";
    public static final String TRUSTED_PROXIES = "wsproxy.trustedProxies";
    public static final String MAX_FRAME_SIZE = "wsproxy.maxFrameSize";
    public static final String MAX_CONNECTIONS_PER_BACKEND = "maxConnectionsPerBackend";
    public static final String POOLS = "wsproxy.pools";
    public static final String MAX_ATTEMPTS = "wsproxy.maxAttempts";
    public static final String STICKY_SECRET = "wsproxy.stickySecret";
    public static final String POOLS_FILE = "wsproxy.poolsFile";
    public static final String POOLS_FILE_INTERVAL = "wsproxy.poolsFileInterval";
    public static final String ADMIN_PATH = "wsproxy.admin.path";
    public static final String ADMIN_TOKEN = "wsproxy.admin.token";
    public static final String ADMIN_ALLOW = "wsproxy.admin.allow";
    public static final String OBSERVE_PATH = "wsproxy.observe.path";
    public static final String OBSERVE_ALLOW = "wsproxy.observe.allow";
    public static final String RETRY_TIMEOUT = "wsproxy.retryTimeout";
    public static final String REQUEST_BUFFER_SIZE = "wsproxy.requestBufferSize";
    public static final String CLIENT_BODY_TIMEOUT = "wsproxy.clientBodyTimeout";
    public static final String MAX_UPLOADS_PER_CLIENT = "wsproxy.maxUploadsPerClient";
    public static final String ALLOWED_ORIGINS = "wsproxy.allowedOrigins";
    public static final String ALLOW_MISSING_ORIGIN = "wsproxy.allowMissingOrigin";
    public static final String ALLOW_CLIENTS = "wsproxy.allowClients";
    public static final String DENY_CLIENTS = "wsproxy.denyClients";
    public static final String MAX_SESSIONS = "wsproxy.maxSessions";
    public static final String MAX_SESSIONS_PER_CLIENT = "wsproxy.maxSessionsPerClient";
    public static final String HANDSHAKE_RATE = "wsproxy.handshakeRate";
    public static final String HANDSHAKE_BURST = "wsproxy.handshakeBurst";
    public static final String CLIENT_IP_HEADERS = "wsproxy.clientIpHeaders";
    public static final String DRAIN_TIMEOUT = "wsproxy.drainTimeout";
    public static final String DRAIN_SPREAD = "wsproxy.drainSpread";
    public static final String DRAIN_NOTICE = "wsproxy.drainNotice";
    public static final String READINESS_PATH = "wsproxy.readinessPath";
    public static final String BACKEND_TRUST_STORE = "wsproxy.backendTrustStore";
    public static final String BACKEND_TRUST_STORE_PASSWORD = "wsproxy.backendTrustStorePassword";
    public static final String BACKEND_TRUST_STORE_TYPE = "wsproxy.backendTrustStoreType";
    public static final String BACKEND_TRUST_ALL = "wsproxy.backendTrustAll";
    /** The name of the pool made of route {@code name}'s own {@code backends}; ':' keeps it apart from named pools. */
    public static final String ROUTE_POOL_PREFIX = "route:";

    /** Parameter name (with {@code <name>} standing for a route's name) to its default, as written in the README. */
    public static final Map<String, String> DEFAULTS;

    static
    {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(CONNECT_TIMEOUT, "5s");
        // nginx's 60 s read timeout is the most common cause of dropped WebSockets (see the reference guide).
        defaults.put(IDLE_TIMEOUT, "24h");
        defaults.put(READ_TIMEOUT, "60s");
        defaults.put(PRESERVE_HOST, "false");
        defaults.put(TRUSTED_PROXIES, "");
        defaults.put(MAX_FRAME_SIZE, "64KiB");
        defaults.put(POOLS, "");
        defaults.put(route("<name>", "backends"), "");
        defaults.put(pool("<pool>", "balancer"), "round-robin");
        // nginx's max_fails=1 fail_timeout=10s; Envoy's max_ejection_time of 300 s.
        defaults.put(pool("<pool>", "maxFails"), "1");
        defaults.put(pool("<pool>", "failTimeout"), "10s");
        defaults.put(pool("<pool>", "maxEjection"), "5m");
        // HAProxy's check defaults are inter 2s, rise 2, fall 3; probing every 5 s is gentler on many backends.
        defaults.put(pool("<pool>", "healthCheck"), "none");
        defaults.put(pool("<pool>", "healthCheckPath"), "/");
        defaults.put(pool("<pool>", "healthCheckStatus"), "200-399");
        defaults.put(pool("<pool>", "healthCheckInterval"), "5s");
        defaults.put(pool("<pool>", "healthCheckTimeout"), "2s");
        defaults.put(pool("<pool>", "healthCheckRise"), "2");
        defaults.put(pool("<pool>", "healthCheckFall"), "3");
        defaults.put(pool("<pool>", "shutdownSessionsOnDown"), "false");
        defaults.put(pool("<pool>", "stickyCookie"), "");
        // Slow start is HAProxy's slowstart, off by default there too: it only helps pools of several backends.
        defaults.put(pool("<pool>", "slowStart"), "0s");
        // A handshake is held here from the backend connect to its 101, a few milliseconds: 1,000 at once per backend
        // is a storm (a hundred thousand reconnects a second or more), never a normal day, and the queue lets the
        // storm wait here rather than fail.
        defaults.put(pool("<pool>", "maxHandshakes"), "1000");
        defaults.put(pool("<pool>", "handshakeQueue"), "10000");
        defaults.put(pool("<pool>", "handshakeQueueTimeout"), "10s");
        defaults.put(STICKY_SECRET, "");
        defaults.put(POOLS_FILE, "");
        defaults.put(POOLS_FILE_INTERVAL, "2s");
        defaults.put(ADMIN_PATH, "");
        defaults.put(ADMIN_TOKEN, "");
        defaults.put(ADMIN_ALLOW, "127.0.0.1, ::1");
        defaults.put(OBSERVE_PATH, "");
        defaults.put(OBSERVE_ALLOW, "127.0.0.1, ::1");
        defaults.put(MAX_ATTEMPTS, "3");
        defaults.put(RETRY_TIMEOUT, "15s");
        defaults.put(route("<name>", "maxAttempts"), MAX_ATTEMPTS);
        defaults.put(route("<name>", "retryTimeout"), RETRY_TIMEOUT);
        defaults.put(route("<name>", "pool"), "");
        defaults.put(route("<name>", "websocket"), "true");
        defaults.put(route("<name>", "connectTimeout"), CONNECT_TIMEOUT);
        defaults.put(route("<name>", "idleTimeout"), IDLE_TIMEOUT);
        defaults.put(route("<name>", "readTimeout"), READ_TIMEOUT);
        defaults.put(MAX_CONNECTIONS_PER_BACKEND, "256");
        // nginx reads a body before it opens the backend connection (proxy_request_buffering on; it spills to disk
        // past client_body_buffer_size, this streams instead), gives up on a client silent for 60 s
        // (client_body_timeout), and limit_conn bounds what one address may hold.
        defaults.put(REQUEST_BUFFER_SIZE, "1MiB");
        defaults.put(CLIENT_BODY_TIMEOUT, "60s");
        defaults.put(MAX_UPLOADS_PER_CLIENT, "32");
        // The edge: off, or far above what a normal deployment meets (thousands of users behind one carrier NAT, all
        // reconnecting at once after a restart; the benchmark's 5,000 sessions from one address), so that a limit is met
        // only where an operator set it for the route's own clients.
        defaults.put(ALLOWED_ORIGINS, "");
        defaults.put(ALLOW_MISSING_ORIGIN, "true");
        defaults.put(ALLOW_CLIENTS, "");
        defaults.put(DENY_CLIENTS, "");
        defaults.put(MAX_SESSIONS, "100000");
        defaults.put(MAX_SESSIONS_PER_CLIENT, "10000");
        defaults.put(HANDSHAKE_RATE, "1000");
        defaults.put(HANDSHAKE_BURST, "10000");
        defaults.put(route("<name>", "allowedOrigins"), ALLOWED_ORIGINS);
        defaults.put(route("<name>", "allowMissingOrigin"), ALLOW_MISSING_ORIGIN);
        defaults.put(route("<name>", "allowClients"), ALLOW_CLIENTS);
        defaults.put(route("<name>", "denyClients"), DENY_CLIENTS);
        defaults.put(route("<name>", "maxSessionsPerClient"), MAX_SESSIONS_PER_CLIENT);
        defaults.put(route("<name>", "handshakeRate"), HANDSHAKE_RATE);
        defaults.put(route("<name>", "handshakeBurst"), HANDSHAKE_BURST);
        // Headers that CDNs and balancers use to name the client; from anyone but a trusted proxy they are a lie.
        defaults.put(CLIENT_IP_HEADERS, "X-Client-IP, True-Client-IP, X-Cluster-Client-IP, CF-Connecting-IP, Fastly-Client-IP");
        // Kubernetes gives a pod 30 s between SIGTERM and SIGKILL by default; most WebSocket clients that are told
        // nothing reconnect within seconds, so 10 s of spread keeps a restart from becoming a reconnect storm.
        defaults.put(DRAIN_TIMEOUT, "30s");
        defaults.put(DRAIN_SPREAD, "10s");
        // Off: new requests and upgrades get 503 as soon as a drain begins. Behind a balancer that probes the readiness
        // path: more than it takes to mark the instance down (HAProxy: inter x fall), and at least jetty.http.idleTimeout.
        defaults.put(DRAIN_NOTICE, "0s");
        defaults.put(READINESS_PATH, "");
        defaults.put(BACKEND_TRUST_STORE, "");
        defaults.put(BACKEND_TRUST_STORE_PASSWORD, "");
        defaults.put(BACKEND_TRUST_STORE_TYPE, "PKCS12");
        defaults.put(BACKEND_TRUST_ALL, "false");
        // Relay limits, off by default: the relay holds at most maxFrameSize of a message whatever its size, so a
        // size limit protects the backend, whose own limit is the one that knows its messages; rates depend on the
        // application. Keepalive is off as it always was; the README's example turns it on at 30 s.
        defaults.put(PREFIX + RelayPolicyParser.MAX_CLIENT_MESSAGE_SIZE, "0B");
        defaults.put(PREFIX + RelayPolicyParser.MAX_BACKEND_MESSAGE_SIZE, "0B");
        defaults.put(PREFIX + RelayPolicyParser.CLIENT_MESSAGE_RATE, "0");
        defaults.put(PREFIX + RelayPolicyParser.CLIENT_BYTE_RATE, "0B");
        defaults.put(PREFIX + RelayPolicyParser.BACKEND_MESSAGE_RATE, "0");
        defaults.put(PREFIX + RelayPolicyParser.BACKEND_BYTE_RATE, "0B");
        defaults.put(PREFIX + RelayPolicyParser.RATE_BURST, "1s");
        defaults.put(PREFIX + RelayPolicyParser.OVER_RATE, "close");
        defaults.put(PREFIX + RelayPolicyParser.PING_INTERVAL, "0s");
        defaults.put(PREFIX + RelayPolicyParser.PING_TIMEOUT, "10s");
        for (String key : RelayPolicyParser.KEYS)
            defaults.put(route("<name>", key), PREFIX + key);
        DEFAULTS = Map.copyOf(defaults);
    }

    /** Parameters without a default: the deployment fails without them. */
    public static final List<String> REQUIRED = List.of(ROUTES, route("<name>", "path"), pool("<pool>", "backends"));

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    /** An origin (RFC 6454: scheme://host[:port], a host of '*.' and a domain for a wildcard), same-origin or null. */
    private static final Pattern ORIGIN = Pattern.compile(
        "same-origin|null|[A-Za-z][A-Za-z0-9+.-]*://(\\*\\.)?([A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?");
    /** A buffered body is one array in memory. */
    private static final long MAX_REQUEST_BUFFER_SIZE = 1L << 30;

    private ProxyConfigParser()
    {
    }

    public static String route(String routeName, String key)
    {
        return "wsproxy.route." + routeName + "." + key;
    }

    public static String pool(String poolName, String key)
    {
        return "wsproxy.pool." + poolName + "." + key;
    }

    /** Parses the context-params shared by the WebSocket and HTTP sides. */
    public static ProxyConfig parse(Params params)
    {
        Duration connectTimeout = params.duration(CONNECT_TIMEOUT, Units.duration(DEFAULTS.get(CONNECT_TIMEOUT)));
        if (connectTimeout.isZero())
            throw new ConfigException(CONNECT_TIMEOUT, params.string(CONNECT_TIMEOUT, ""), "a duration greater than 0");
        Duration idleTimeout = params.duration(IDLE_TIMEOUT, Units.duration(DEFAULTS.get(IDLE_TIMEOUT)));
        Duration readTimeout = params.duration(READ_TIMEOUT, Units.duration(DEFAULTS.get(READ_TIMEOUT)));
        boolean preserveHost = params.bool(PRESERVE_HOST, Boolean.parseBoolean(DEFAULTS.get(PRESERVE_HOST)));
        long maxFrameSize = params.size(MAX_FRAME_SIZE, Units.size(DEFAULTS.get(MAX_FRAME_SIZE)));
        if (maxFrameSize < 125 || maxFrameSize > Integer.MAX_VALUE)
            throw new ConfigException(MAX_FRAME_SIZE, params.string(MAX_FRAME_SIZE, ""), "a size from 125B to 2GiB");

        List<String> trustedProxies = addresses(TRUSTED_PROXIES, params.list(TRUSTED_PROXIES));
        EdgeConfig edge = parseEdge(params, null, null);

        RelayPolicyConfig relayPolicy = RelayPolicyParser.parseDefaults(params);
        RetryConfig retry = new RetryConfig(
            params.positiveInt(MAX_ATTEMPTS, Integer.parseInt(DEFAULTS.get(MAX_ATTEMPTS))),
            params.duration(RETRY_TIMEOUT, Units.duration(DEFAULTS.get(RETRY_TIMEOUT))));

        List<PoolConfig> pools = new ArrayList<>();
        Set<String> poolNames = new LinkedHashSet<>();
        for (String name : params.list(POOLS))
        {
            if (!NAME.matcher(name).matches() || !poolNames.add(name))
                throw new ConfigException(POOLS, params.string(POOLS, ""), "distinct pool names of letters, digits, '-' and '_'");
        }
        for (String name : poolNames)
            pools.add(parsePool(params, name));

        List<String> names = params.list(ROUTES);
        if (names.isEmpty())
            throw new ConfigException(ROUTES, params.string(ROUTES, ""), "one or more route names, e.g. \"ws, app\" (it is required)");
        List<RouteConfig> routes = new ArrayList<>();
        Set<String> paths = new HashSet<>();
        Set<String> seen = new HashSet<>();
        for (String name : names)
        {
            if (!NAME.matcher(name).matches() || !seen.add(name))
                throw new ConfigException(ROUTES, params.string(ROUTES, ""), "distinct route names of letters, digits, '-' and '_'");
            RouteConfig route = parseRoute(params, name, poolNames, pools, connectTimeout, idleTimeout, readTimeout, retry, edge, relayPolicy);
            if (!paths.add(route.pathPrefix()))
                throw new ConfigException(route(name, "path"), route.pathPrefix(), "a path no other route has");
            routes.add(route);
        }
        String secret = params.string(STICKY_SECRET, DEFAULTS.get(STICKY_SECRET));
        if (!secret.isEmpty() && secret.length() < 16)
            throw new ConfigException(STICKY_SECRET, "(hidden)", "at least 16 characters, or nothing to make a random one at start-up");
        String poolsFile = params.string(POOLS_FILE, DEFAULTS.get(POOLS_FILE));
        Duration poolsFileInterval = params.duration(POOLS_FILE_INTERVAL, Units.duration(DEFAULTS.get(POOLS_FILE_INTERVAL)));
        if (poolsFileInterval.toMillis() < 10)
            throw new ConfigException(POOLS_FILE_INTERVAL, params.string(POOLS_FILE_INTERVAL, ""), "a duration of at least 10ms");
        AdminConfig admin = parseAdmin(params, paths);
        RequestBodyConfig requestBody = parseRequestBody(params);
        int maxSessions = params.positiveInt(MAX_SESSIONS, Integer.parseInt(DEFAULTS.get(MAX_SESSIONS)));
        List<String> clientIpHeaders = params.has(CLIENT_IP_HEADERS) ? params.list(CLIENT_IP_HEADERS) : List.of(DEFAULTS.get(CLIENT_IP_HEADERS).split(",\\s*"));
        for (String header : clientIpHeaders)
        {
            if (!header.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+"))
                throw new ConfigException(CLIENT_IP_HEADERS, header, "header names separated by commas or spaces, e.g. X-Client-IP, True-Client-IP");
        }
        DrainConfig drain = parseDrain(params, paths, admin.path());
        BackendTlsConfig backendTls = parseBackendTls(params);
        ObserveConfig observe = parseObserve(params, paths, admin);
        params.rejectUnknown();
        return new ProxyConfig(routes, pools, preserveHost, trustedProxies, maxFrameSize, secret, poolsFile, poolsFileInterval, admin, requestBody,
            maxSessions, clientIpHeaders, drain, backendTls, observe);
    }

    /**
     * The edge checks of route {@code name}, each parameter falling back to its global one; with a null name, the
     * global ones, falling back to the defaults. A route's parameter given empty means "none" (no allow-list...).
     */
    private static EdgeConfig parseEdge(Params params, String name, EdgeConfig global)
    {
        String originsParam = edgeParam(name, ALLOWED_ORIGINS);
        List<String> origins = params.has(originsParam) ? params.list(originsParam) : global == null ? List.of() : global.allowedOrigins();
        for (String origin : origins)
        {
            if (!ORIGIN.matcher(origin).matches())
                throw new ConfigException(originsParam, origin, "origins such as https://app.example.com, https://*.example.com or http://localhost:8080, " +
                    "same-origin, or null, separated by commas or spaces");
        }
        String missingParam = edgeParam(name, ALLOW_MISSING_ORIGIN);
        boolean allowMissing = params.bool(missingParam, global == null ? Boolean.parseBoolean(DEFAULTS.get(ALLOW_MISSING_ORIGIN)) : global.allowMissingOrigin());
        String allowParam = edgeParam(name, ALLOW_CLIENTS);
        List<String> allow = params.has(allowParam) ? addresses(allowParam, params.list(allowParam)) : global == null ? List.of() : global.allowClients();
        String denyParam = edgeParam(name, DENY_CLIENTS);
        List<String> deny = params.has(denyParam) ? addresses(denyParam, params.list(denyParam)) : global == null ? List.of() : global.denyClients();
        int perClient = params.positiveInt(edgeParam(name, MAX_SESSIONS_PER_CLIENT),
            global == null ? Integer.parseInt(DEFAULTS.get(MAX_SESSIONS_PER_CLIENT)) : global.maxSessionsPerClient());
        int rate = params.positiveInt(edgeParam(name, HANDSHAKE_RATE), global == null ? Integer.parseInt(DEFAULTS.get(HANDSHAKE_RATE)) : global.handshakeRate());
        int burst = params.positiveInt(edgeParam(name, HANDSHAKE_BURST), global == null ? Integer.parseInt(DEFAULTS.get(HANDSHAKE_BURST)) : global.handshakeBurst());
        return new EdgeConfig(origins, allowMissing, allow, deny, perClient, rate, burst);
    }

    /** {@code wsproxy.key}, or for a route {@code wsproxy.route.<name>.key}. */
    private static String edgeParam(String route, String global)
    {
        return route == null ? global : route(route, global.substring(PREFIX.length()));
    }

    /** Checks each address, CIDR block or range, naming {@code param} and the bad one. */
    private static List<String> addresses(String param, List<String> patterns)
    {
        for (String pattern : patterns)
        {
            try
            {
                InetAddressPattern.from(pattern);
            }
            catch (IllegalArgumentException x)
            {
                throw new ConfigException(param, pattern, "IP addresses, CIDR blocks (10.0.0.0/8) or ranges (10.0.0.1-10.0.0.9)");
            }
        }
        return patterns;
    }

    private static DrainConfig parseDrain(Params params, Set<String> routePaths, String adminPath)
    {
        Duration timeout = params.duration(DRAIN_TIMEOUT, Units.duration(DEFAULTS.get(DRAIN_TIMEOUT)));
        Duration spread = params.duration(DRAIN_SPREAD, Units.duration(DEFAULTS.get(DRAIN_SPREAD)));
        String path = params.string(READINESS_PATH, DEFAULTS.get(READINESS_PATH));
        if (!path.isEmpty() && (!path.startsWith("/") || path.endsWith("/") || path.contains("*") || path.contains("?") ||
            routePaths.contains(path) || path.equals(adminPath)))
            throw new ConfigException(READINESS_PATH, path, "an exact path starting with '/', not ending with '/', that is no route's path " +
                "nor the admin path, e.g. /_wsproxy/ready");
        Duration notice = params.duration(DRAIN_NOTICE, Units.duration(DEFAULTS.get(DRAIN_NOTICE)));
        // Sessions opened during the notice are closed with the others at the end of the timeout, so it cannot be longer.
        if (notice.compareTo(timeout) > 0)
            throw new ConfigException(DRAIN_NOTICE, params.string(DRAIN_NOTICE, DEFAULTS.get(DRAIN_NOTICE)),
                "a duration not longer than " + DRAIN_TIMEOUT + " (" + params.string(DRAIN_TIMEOUT, DEFAULTS.get(DRAIN_TIMEOUT)) + ")");
        return new DrainConfig(notice, timeout, spread, path);
    }

    private static BackendTlsConfig parseBackendTls(Params params)
    {
        String trustStore = params.string(BACKEND_TRUST_STORE, DEFAULTS.get(BACKEND_TRUST_STORE));
        String password = params.string(BACKEND_TRUST_STORE_PASSWORD, DEFAULTS.get(BACKEND_TRUST_STORE_PASSWORD));
        String type = params.string(BACKEND_TRUST_STORE_TYPE, DEFAULTS.get(BACKEND_TRUST_STORE_TYPE));
        boolean trustAll = params.bool(BACKEND_TRUST_ALL, Boolean.parseBoolean(DEFAULTS.get(BACKEND_TRUST_ALL)));
        if (trustAll && !trustStore.isEmpty())
            throw new ConfigException(BACKEND_TRUST_ALL, "true", "false when " + BACKEND_TRUST_STORE + " is set (a trust store is pointless if all is trusted)");
        if (!trustStore.isEmpty())
        {
            try
            {
                java.security.KeyStore.getInstance(type);
            }
            catch (java.security.KeyStoreException x)
            {
                throw new ConfigException(BACKEND_TRUST_STORE_TYPE, type, "a key store type this JVM knows, e.g. PKCS12 or JKS");
            }
        }
        return new BackendTlsConfig(trustStore, password, type, trustAll);
    }

    private static RequestBodyConfig parseRequestBody(Params params)
    {
        long bufferSize = params.size(REQUEST_BUFFER_SIZE, Units.size(DEFAULTS.get(REQUEST_BUFFER_SIZE)));
        if (bufferSize > MAX_REQUEST_BUFFER_SIZE)
            throw new ConfigException(REQUEST_BUFFER_SIZE, params.string(REQUEST_BUFFER_SIZE, ""), "a size from 0B (no buffering) to 1GiB");
        Duration timeout = params.duration(CLIENT_BODY_TIMEOUT, Units.duration(DEFAULTS.get(CLIENT_BODY_TIMEOUT)));
        int maxPerClient = params.positiveInt(MAX_UPLOADS_PER_CLIENT, Integer.parseInt(DEFAULTS.get(MAX_UPLOADS_PER_CLIENT)));
        return new RequestBodyConfig((int)bufferSize, timeout, maxPerClient);
    }

    private static ObserveConfig parseObserve(Params params, Set<String> routePaths, AdminConfig admin)
    {
        String path = params.string(OBSERVE_PATH, DEFAULTS.get(OBSERVE_PATH));
        List<String> allow = params.has(OBSERVE_ALLOW) ? params.list(OBSERVE_ALLOW) : List.of(DEFAULTS.get(OBSERVE_ALLOW).split(",\\s*"));
        checkAddresses(OBSERVE_ALLOW, allow);
        if (path.isEmpty())
            return new ObserveConfig("", allow);
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("*") || path.contains("?") || routePaths.contains(path) ||
            routePaths.contains(path + "/") || path.equals(admin.path()))
            throw new ConfigException(OBSERVE_PATH, path, "a path prefix starting with '/', not ending with '/', that is no route's path nor the admin path, e.g. /_wsproxy");
        return new ObserveConfig(path, allow);
    }

    private static void checkAddresses(String param, List<String> allow)
    {
        for (String pattern : allow)
        {
            try
            {
                InetAddressPattern.from(pattern);
            }
            catch (IllegalArgumentException x)
            {
                throw new ConfigException(param, pattern, "IP addresses, CIDR blocks (10.0.0.0/8) or ranges (10.0.0.1-10.0.0.9)");
            }
        }
    }

    private static AdminConfig parseAdmin(Params params, Set<String> routePaths)
    {
        String path = params.string(ADMIN_PATH, DEFAULTS.get(ADMIN_PATH));
        String token = params.string(ADMIN_TOKEN, DEFAULTS.get(ADMIN_TOKEN));
        List<String> allow = addresses(ADMIN_ALLOW, params.has(ADMIN_ALLOW) ? params.list(ADMIN_ALLOW) : List.of(DEFAULTS.get(ADMIN_ALLOW).split(",\\s*")));
        if (path.isEmpty())
        {
            if (!token.isEmpty())
                throw new ConfigException(ADMIN_PATH, "", "a path for the admin endpoint, since " + ADMIN_TOKEN + " is set");
            return new AdminConfig("", "", allow);
        }
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("*") || path.contains("?") || routePaths.contains(path))
            throw new ConfigException(ADMIN_PATH, path, "an exact path starting with '/', not ending with '/', that is no route's path, e.g. /_wsproxy/pools");
        if (token.length() < 16)
            throw new ConfigException(ADMIN_TOKEN, "(hidden)", "a token of at least 16 characters: the admin endpoint is never open without one");
        return new AdminConfig(path, token, allow);
    }

    private static PoolConfig parsePool(Params params, String name)
    {
        List<BackendConfig> backends = params.backends(pool(name, "backends"));
        String balancerParam = pool(name, "balancer");
        String balancerText = params.string(balancerParam, DEFAULTS.get(pool("<pool>", "balancer")));
        BalancerConfig balancer = BalancerConfig.parse(balancerText);
        if (balancer == null)
            throw new ConfigException(balancerParam, balancerText, BalancerConfig.EXPECTED);
        boolean shutdown = params.bool(pool(name, "shutdownSessionsOnDown"), Boolean.parseBoolean(DEFAULTS.get(pool("<pool>", "shutdownSessionsOnDown"))));
        String stickyParam = pool(name, "stickyCookie");
        String sticky = params.string(stickyParam, DEFAULTS.get(pool("<pool>", "stickyCookie")));
        if (!sticky.isEmpty() && !sticky.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+"))
            throw new ConfigException(stickyParam, sticky, "a cookie name (letters, digits and !#$%&'*+.^_`|~-), or nothing for no sticky cookie");
        return new PoolConfig(name, backends, balancer, parsePassive(params, name), parseHealthCheck(params, name), shutdown, sticky,
            parseStorm(params, name));
    }

    private static StormConfig parseStorm(Params params, String name)
    {
        // An anonymous pool (a route's own backends) has no parameters of its own: the defaults.
        Params source = name.startsWith(ROUTE_POOL_PREFIX) ? new Params(Map.of(), PREFIX) : params;
        Duration slowStart = source.duration(pool(name, "slowStart"), Units.duration(DEFAULTS.get(pool("<pool>", "slowStart"))));
        int maxHandshakes = source.nonNegativeInt(pool(name, "maxHandshakes"), Integer.parseInt(DEFAULTS.get(pool("<pool>", "maxHandshakes"))));
        int queue = source.nonNegativeInt(pool(name, "handshakeQueue"), Integer.parseInt(DEFAULTS.get(pool("<pool>", "handshakeQueue"))));
        String timeoutParam = pool(name, "handshakeQueueTimeout");
        Duration timeout = source.duration(timeoutParam, Units.duration(DEFAULTS.get(pool("<pool>", "handshakeQueueTimeout"))));
        if (timeout.toMillis() < 1)
            throw new ConfigException(timeoutParam, source.string(timeoutParam, ""), "a duration of at least 1ms");
        return new StormConfig(slowStart, maxHandshakes, queue, timeout);
    }

    private static HealthCheckConfig parseHealthCheck(Params params, String name)
    {
        Params source = name.startsWith(ROUTE_POOL_PREFIX) ? new Params(Map.of(), PREFIX) : params;
        String kindParam = pool(name, "healthCheck");
        String kindText = source.string(kindParam, DEFAULTS.get(pool("<pool>", "healthCheck")));
        HealthCheckConfig.Kind kind = switch (kindText.toLowerCase(java.util.Locale.ROOT))
        {
            case "none", "off" -> HealthCheckConfig.Kind.NONE;
            case "http" -> HealthCheckConfig.Kind.HTTP;
            case "websocket", "ws" -> HealthCheckConfig.Kind.WEBSOCKET;
            default -> throw new ConfigException(kindParam, kindText, "none, http or websocket");
        };
        String pathParam = pool(name, "healthCheckPath");
        String path = source.string(pathParam, DEFAULTS.get(pool("<pool>", "healthCheckPath")));
        if (!path.startsWith("/") || path.contains("#") || path.contains(" "))
            throw new ConfigException(pathParam, path, "a path starting with '/', e.g. /health (a query is allowed)");
        String statusParam = pool(name, "healthCheckStatus");
        String statusText = source.string(statusParam, DEFAULTS.get(pool("<pool>", "healthCheckStatus")));
        java.util.regex.Matcher m = Pattern.compile("([1-5][0-9][0-9])(?:-([1-5][0-9][0-9]))?").matcher(statusText);
        if (!m.matches() || (m.group(2) != null && Integer.parseInt(m.group(2)) < Integer.parseInt(m.group(1))))
            throw new ConfigException(statusParam, statusText, "an HTTP status or a range of them, e.g. 200 or 200-399");
        int minStatus = Integer.parseInt(m.group(1));
        int maxStatus = m.group(2) == null ? minStatus : Integer.parseInt(m.group(2));
        String intervalParam = pool(name, "healthCheckInterval");
        Duration interval = source.duration(intervalParam, Units.duration(DEFAULTS.get(pool("<pool>", "healthCheckInterval"))));
        if (interval.toMillis() < 10)
            throw new ConfigException(intervalParam, source.string(intervalParam, ""), "a duration of at least 10ms");
        String timeoutParam = pool(name, "healthCheckTimeout");
        Duration timeout = source.duration(timeoutParam, Units.duration(DEFAULTS.get(pool("<pool>", "healthCheckTimeout"))));
        if (timeout.isZero())
            throw new ConfigException(timeoutParam, source.string(timeoutParam, ""), "a duration greater than 0");
        int rise = source.positiveInt(pool(name, "healthCheckRise"), Integer.parseInt(DEFAULTS.get(pool("<pool>", "healthCheckRise"))));
        int fall = source.positiveInt(pool(name, "healthCheckFall"), Integer.parseInt(DEFAULTS.get(pool("<pool>", "healthCheckFall"))));
        return new HealthCheckConfig(kind, path, minStatus, maxStatus, interval, timeout, rise, fall);
    }

    private static PassiveHealthConfig parsePassive(Params params, String name)
    {
        // An anonymous pool (a route's own backends) has no parameters of its own: the defaults.
        Params source = name.startsWith(ROUTE_POOL_PREFIX) ? new Params(Map.of(), PREFIX) : params;
        int maxFails = source.positiveInt(pool(name, "maxFails"), Integer.parseInt(DEFAULTS.get(pool("<pool>", "maxFails"))));
        Duration failTimeout = source.duration(pool(name, "failTimeout"), Units.duration(DEFAULTS.get(pool("<pool>", "failTimeout"))));
        Duration maxEjection = source.duration(pool(name, "maxEjection"), Units.duration(DEFAULTS.get(pool("<pool>", "maxEjection"))));
        if (maxEjection.compareTo(failTimeout) < 0)
            throw new ConfigException(pool(name, "maxEjection"), source.string(pool(name, "maxEjection"), ""), "a duration no shorter than " + pool(name, "failTimeout"));
        return new PassiveHealthConfig(maxFails, failTimeout, maxEjection);
    }

    private static RouteConfig parseRoute(Params params, String name, Set<String> poolNames, List<PoolConfig> pools,
                                          Duration connectTimeout, Duration idleTimeout, Duration readTimeout, RetryConfig retry,
                                          EdgeConfig edge, RelayPolicyConfig relayPolicy)
    {
        String pathParam = route(name, "path");
        String path = params.required(pathParam, "a path prefix starting with '/', e.g. /ws/");
        if (!path.startsWith("/") || path.contains("?") || path.contains("#") || path.contains("*"))
            throw new ConfigException(pathParam, path, "a path prefix starting with '/', without '?', '#' or '*', e.g. /ws/");
        String poolParam = route(name, "pool");
        String backendsParam = route(name, "backends");
        String pool = params.string(poolParam, "");
        if (!pool.isEmpty() && params.has(backendsParam))
            throw new ConfigException(backendsParam, params.string(backendsParam, ""), "either " + poolParam + " or " + backendsParam + ", not both");
        if (pool.isEmpty())
        {
            // Today's single-route form: the route's own backends make an anonymous pool with the default settings.
            if (!params.has(backendsParam) && !poolNames.isEmpty())
                throw new ConfigException(poolParam, "", "the name of a pool from " + POOLS + " (" + String.join(", ", poolNames) + "), or " + backendsParam);
            pool = ROUTE_POOL_PREFIX + name;
            pools.add(new PoolConfig(pool, params.backends(backendsParam), BalancerConfig.ROUND_ROBIN, parsePassive(params, pool),
                parseHealthCheck(params, pool), false, "", parseStorm(params, pool)));
        }
        else if (!poolNames.contains(pool))
            throw new ConfigException(poolParam, pool, "the name of a pool from " + POOLS + (poolNames.isEmpty() ? " (which lists none)" : " (" + String.join(", ", poolNames) + ")"));
        boolean websocket = params.bool(route(name, "websocket"), true);
        Duration connect = params.duration(route(name, "connectTimeout"), connectTimeout);
        if (connect.isZero())
            throw new ConfigException(route(name, "connectTimeout"), params.string(route(name, "connectTimeout"), "0"), "a duration greater than 0");
        return new RouteConfig(name, path, pool, websocket, connect,
            params.duration(route(name, "idleTimeout"), idleTimeout),
            params.duration(route(name, "readTimeout"), readTimeout),
            new RetryConfig(params.positiveInt(route(name, "maxAttempts"), retry.maxAttempts()),
                params.duration(route(name, "retryTimeout"), retry.timeout())),
            parseEdge(params, name, edge), RelayPolicyParser.parseRoute(params, name, relayPolicy));
    }

    /** Parses the HTTP servlet's init-params. */
    public static HttpClientConfig parseHttpClient(Params params)
    {
        int maxConnections = params.positiveInt(MAX_CONNECTIONS_PER_BACKEND, Integer.parseInt(DEFAULTS.get(MAX_CONNECTIONS_PER_BACKEND)));
        params.rejectUnknown();
        return new HttpClientConfig(maxConnections);
    }
}
