package org.wsproxy.config;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Params, Units and ProxyConfigParser without any server: what each unit means, which defaults apply,
 * how routes inherit the global timeouts, and that every bad input is refused with a message naming
 * the parameter and the value, because that one line is all an operator sees of a failed deployment.
 */
public class ProxyConfigParserTest
{
    /** A valid minimal configuration (one route "main" on "/"), to which each test adds or overrides. */
    private static Map<String, String> minimal()
    {
        Map<String, String> raw = new HashMap<>();
        raw.put("wsproxy.routes", "main");
        raw.put("wsproxy.route.main.path", "/");
        raw.put("wsproxy.route.main.backends", "http://127.0.0.1:8081");
        return raw;
    }

    private static ProxyConfig parse(Map<String, String> raw)
    {
        return ProxyConfigParser.parse(new Params(raw, ProxyConfigParser.PREFIX));
    }

    private static ProxyConfig parseWith(String name, String value)
    {
        Map<String, String> raw = minimal();
        raw.put(name, value);
        return parse(raw);
    }

    /** Parsing must fail with a ConfigException whose message names {@code name} and contains {@code value}. */
    private static ConfigException assertRefused(Map<String, String> raw, String name, String value)
    {
        ConfigException x = assertThrows(ConfigException.class, () -> parse(raw));
        assertRefusal(x, name, value);
        return x;
    }

    private static void assertRefusal(ConfigException x, String name, String value)
    {
        assertTrue(x.getMessage().contains(name), () -> "message does not name " + name + ": " + x.getMessage());
        assertTrue(x.getMessage().contains("'" + value + "'"), () -> "message does not quote '" + value + "': " + x.getMessage());
        assertEquals(name, x.getParameter());
        assertEquals(value, x.getValue());
    }

    private static RouteConfig route(ProxyConfig config, String name)
    {
        return config.routes().stream().filter(r -> r.name().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no route " + name + " in " + config.routes()));
    }

    private static List<URI> uris(ProxyConfig config, RouteConfig route)
    {
        return config.pool(route.pool()).backends().stream().map(BackendConfig::uri).toList();
    }

    // ---- Units -------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "0ms, 0",
        "500ms, 500",
        "30s, 30000",
        "5m, 300000",
        "2h, 7200000",
        "7d, 604800000",
        "' 30 s ', 30000",
        "500MS, 500",
        "1H, 3600000"
    })
    public void everyDurationUnitIsUnderstood(String text, long millis)
    {
        assertEquals(Duration.ofMillis(millis), Units.duration(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"30", "-5s", "5 parsecs", "s", "", "1.5s", "5sec", "5 s s"})
    public void durationsWithoutAKnownUnitOrNegativeAreNotDurations(String text)
    {
        assertNull(Units.duration(text));
    }

    @ParameterizedTest
    @CsvSource({
        "0B, 0",
        "512B, 512",
        "64KiB, 65536",
        "64KB, 65536",
        "64kB, 65536",
        "64K, 65536",
        "64k, 65536",
        "16MiB, 16777216",
        "16MB, 16777216",
        "16M, 16777216",
        "16m, 16777216",
        "1GiB, 1073741824",
        "1GB, 1073741824",
        "1G, 1073741824",
        "1g, 1073741824",
        "' 2 KiB ', 2048"
    })
    public void everySizeUnitAndAliasIsUnderstood(String text, long bytes)
    {
        assertEquals(bytes, Units.size(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"64", "-1KiB", "64kib", "64b", "64 bytes", "1TiB", "1.5MiB", "", "9223372036854775807KiB"})
    public void sizesWithoutAKnownUnitNegativeOrOverflowingAreNotSizes(String text)
    {
        assertEquals(-1, Units.size(text));
    }

    // ---- Defaults and inheritance -------------------------------------------------------------

    @Test
    public void defaultsApplyWhenOnlyRoutesAreGiven()
    {
        ProxyConfig config = parse(minimal());
        assertFalse(config.preserveHost());
        assertEquals(List.of(), config.trustedProxies());
        assertEquals(64 * 1024, config.maxFrameSize());
        RouteConfig main = route(config, "main");
        assertEquals("/", main.pathPrefix());
        assertEquals(List.of(URI.create("http://127.0.0.1:8081")), uris(config, main));
        assertEquals("route:main", main.pool());
        assertTrue(main.websocket());
        assertEquals(Duration.ofSeconds(5), main.connectTimeout());
        assertEquals(Duration.ofHours(24), main.idleTimeout());
        assertEquals(Duration.ofSeconds(60), main.readTimeout());
    }

    @Test
    public void defaultsTableMatchesWhatTheParserApplies()
    {
        Map<String, String> defaults = ProxyConfigParser.DEFAULTS;
        ProxyConfig config = parse(minimal());
        RouteConfig main = route(config, "main");
        assertEquals(Units.duration(defaults.get(ProxyConfigParser.CONNECT_TIMEOUT)), main.connectTimeout());
        assertEquals(Units.duration(defaults.get(ProxyConfigParser.IDLE_TIMEOUT)), main.idleTimeout());
        assertEquals(Units.duration(defaults.get(ProxyConfigParser.READ_TIMEOUT)), main.readTimeout());
        assertEquals(Units.size(defaults.get(ProxyConfigParser.MAX_FRAME_SIZE)), config.maxFrameSize());
        assertEquals(Boolean.parseBoolean(defaults.get(ProxyConfigParser.PRESERVE_HOST)), config.preserveHost());
        assertEquals(Boolean.parseBoolean(defaults.get(ProxyConfigParser.route("<name>", "websocket"))), main.websocket());
        assertEquals(ProxyConfigParser.CONNECT_TIMEOUT, defaults.get(ProxyConfigParser.route("<name>", "connectTimeout")));
        assertEquals(ProxyConfigParser.IDLE_TIMEOUT, defaults.get(ProxyConfigParser.route("<name>", "idleTimeout")));
        assertEquals(ProxyConfigParser.READ_TIMEOUT, defaults.get(ProxyConfigParser.route("<name>", "readTimeout")));
        assertEquals(256, ProxyConfigParser.parseHttpClient(new Params(Map.of(), "")).maxConnectionsPerBackend());
    }

    @Test
    public void routesInheritGlobalTimeoutsUnlessTheyOverrideThem()
    {
        Map<String, String> raw = new HashMap<>();
        raw.put("wsproxy.routes", "ws, app");
        raw.put("wsproxy.connectTimeout", "2s");
        raw.put("wsproxy.idleTimeout", "1h");
        raw.put("wsproxy.readTimeout", "10s");
        raw.put("wsproxy.route.ws.path", "/ws/");
        raw.put("wsproxy.route.ws.backends", "ws://127.0.0.1:8081, http://127.0.0.1:8082/base/");
        raw.put("wsproxy.route.app.path", "/");
        raw.put("wsproxy.route.app.backends", "https://example.org");
        raw.put("wsproxy.route.app.websocket", "off");
        raw.put("wsproxy.route.app.connectTimeout", "750ms");
        raw.put("wsproxy.route.app.idleTimeout", "5m");
        raw.put("wsproxy.route.app.readTimeout", "2d");
        ProxyConfig config = parse(raw);

        assertEquals(List.of("ws", "app"), config.routes().stream().map(RouteConfig::name).toList());
        RouteConfig ws = route(config, "ws");
        assertEquals(Duration.ofSeconds(2), ws.connectTimeout());
        assertEquals(Duration.ofHours(1), ws.idleTimeout());
        assertEquals(Duration.ofSeconds(10), ws.readTimeout());
        assertTrue(ws.websocket());
        assertEquals(List.of(URI.create("ws://127.0.0.1:8081"), URI.create("http://127.0.0.1:8082/base/")), uris(config, ws));

        RouteConfig app = route(config, "app");
        assertEquals(Duration.ofMillis(750), app.connectTimeout());
        assertEquals(Duration.ofMinutes(5), app.idleTimeout());
        assertEquals(Duration.ofDays(2), app.readTimeout());
        assertFalse(app.websocket());
    }

    @Test
    public void globalOptionsAreParsed()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.preserveHost", "yes");
        raw.put("wsproxy.trustedProxies", "127.0.0.1, 10.0.0.0/8 192.168.1.1-192.168.1.9");
        raw.put("wsproxy.maxFrameSize", "1MiB");
        ProxyConfig config = parse(raw);
        assertTrue(config.preserveHost());
        assertEquals(List.of("127.0.0.1", "10.0.0.0/8", "192.168.1.1-192.168.1.9"), config.trustedProxies());
        assertEquals(1024 * 1024, config.maxFrameSize());
    }

    @ParameterizedTest
    @CsvSource({"true, true", "TRUE, true", "yes, true", "on, true", "false, false", "No, false", "off, false"})
    public void booleanSpellings(String text, boolean expected)
    {
        assertEquals(expected, parseWith("wsproxy.preserveHost", text).preserveHost());
    }

    @Test
    public void contextParamsOutsideThePrefixAreLeftToTheirOwners()
    {
        ProxyConfig config = parseWith("org.eclipse.jetty.servlet.Default.dirAllowed", "false");
        assertEquals(1, config.routes().size());
    }

    @Test
    public void servletInitParamIsParsed()
    {
        HttpClientConfig config = ProxyConfigParser.parseHttpClient(new Params(Map.of("maxConnectionsPerBackend", "8"), ""));
        assertEquals(8, config.maxConnectionsPerBackend());
    }

    // ---- Refusals: each names the parameter and the value -------------------------------------

    @Test
    public void unknownParameterIsRefused()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.rotues", "main");
        assertRefused(raw, "wsproxy.rotues", "main");
    }

    @Test
    public void misspeltRouteParameterIsRefused()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.route.main.readTimout", "5s");
        assertRefused(raw, "wsproxy.route.main.readTimout", "5s");
    }

    @Test
    public void parametersOfAnUnlistedRouteAreRefused()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.route.other.path", "/other/");
        assertRefused(raw, "wsproxy.route.other.path", "/other/");
    }

    @Test
    public void missingRoutesAreRefused()
    {
        Map<String, String> raw = minimal();
        raw.remove("wsproxy.routes");
        assertRefused(raw, "wsproxy.routes", "");
        raw.put("wsproxy.routes", " , ");
        ConfigException x = assertThrows(ConfigException.class, () -> parse(raw));
        assertTrue(x.getMessage().contains("wsproxy.routes"), x.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"main, main", "ma.in", "main/x"})
    public void badOrDuplicateRouteNamesAreRefused(String names)
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.routes", names);
        assertRefused(raw, "wsproxy.routes", names);
    }

    @Test
    public void routeWithoutPathIsRefused()
    {
        Map<String, String> raw = minimal();
        raw.remove("wsproxy.route.main.path");
        assertRefused(raw, "wsproxy.route.main.path", "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"api/", "/api/?x=1", "/api/#top", "/api/*"})
    public void badPathIsRefused(String path)
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.route.main.path", path);
        assertRefused(raw, "wsproxy.route.main.path", path);
    }

    @Test
    public void routeWithoutBackendsIsRefused()
    {
        Map<String, String> raw = minimal();
        raw.remove("wsproxy.route.main.backends");
        assertRefused(raw, "wsproxy.route.main.backends", "");
        raw.put("wsproxy.route.main.backends", " ");
        assertRefused(raw, "wsproxy.route.main.backends", "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"htp:/x", "http://", "http://127.0.0.1:8081/?q=1", "http://127.0.0.1:8081/#f",
        "ftp://127.0.0.1", "127.0.0.1:8081", "/relative", "http://user:pw@127.0.0.1:8081", "http://[::1"})
    public void malformedBackendUrlIsRefused(String url)
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.route.main.backends", url)),
            "wsproxy.route.main.backends", url);
    }

    @Test
    public void oneMalformedBackendAmongGoodOnesIsRefusedByItself()
    {
        assertRefusal(assertThrows(ConfigException.class,
                () -> parseWith("wsproxy.route.main.backends", "http://127.0.0.1:8081, htp:/x, http://127.0.0.1:8082")),
            "wsproxy.route.main.backends", "htp:/x");
    }

    @Test
    public void duplicatePathIsRefused()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.routes", "main, copy");
        raw.put("wsproxy.route.copy.path", "/");
        raw.put("wsproxy.route.copy.backends", "http://127.0.0.1:8082");
        assertRefused(raw, "wsproxy.route.copy.path", "/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5s", "30", "5 parsecs", "5.5s", "soon"})
    public void badGlobalDurationsAreRefused(String value)
    {
        for (String name : List.of("wsproxy.connectTimeout", "wsproxy.idleTimeout", "wsproxy.readTimeout"))
            assertRefusal(assertThrows(ConfigException.class, () -> parseWith(name, value)), name, value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5s", "30", "5 parsecs"})
    public void badRouteDurationsAreRefused(String value)
    {
        for (String key : List.of("connectTimeout", "idleTimeout", "readTimeout"))
        {
            String name = "wsproxy.route.main." + key;
            assertRefusal(assertThrows(ConfigException.class, () -> parseWith(name, value)), name, value);
        }
    }

    @ParameterizedTest
    // The first two overflow java.time.Duration itself; the last fits a Duration but not its toMillis(), which
    // the HTTP side calls for every request and the WebSocket side for every relay.
    @ValueSource(strings = {"9223372036854775807d", "9999999999999999h", "106751991167300d"})
    public void durationsTooLargeForJavaAreRefusedAsConfigErrors(String value)
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.idleTimeout", value)),
            "wsproxy.idleTimeout", value);
    }

    @Test
    public void zeroConnectTimeoutIsRefused()
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.connectTimeout", "0s")),
            "wsproxy.connectTimeout", "0s");
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.route.main.connectTimeout", "0ms")),
            "wsproxy.route.main.connectTimeout", "0ms");
    }

    @Test
    public void badBooleanIsRefused()
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.preserveHost", "maybe")),
            "wsproxy.preserveHost", "maybe");
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.route.main.websocket", "maybe")),
            "wsproxy.route.main.websocket", "maybe");
    }

    @ParameterizedTest
    @ValueSource(strings = {"64", "64 kilos", "-1KiB", "124B", "3GiB"})
    public void badMaxFrameSizeIsRefused(String value)
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.maxFrameSize", value)),
            "wsproxy.maxFrameSize", value);
    }

    @Test
    public void requestBodyDefaultsAndValues()
    {
        RequestBodyConfig defaults = parse(minimal()).requestBody();
        assertEquals(1024 * 1024, defaults.bufferSize());
        assertEquals(Duration.ofSeconds(60), defaults.timeout());
        assertEquals(32, defaults.maxPerClient());
        assertEquals(Units.size(ProxyConfigParser.DEFAULTS.get(ProxyConfigParser.REQUEST_BUFFER_SIZE)), defaults.bufferSize());
        assertEquals(Units.duration(ProxyConfigParser.DEFAULTS.get(ProxyConfigParser.CLIENT_BODY_TIMEOUT)), defaults.timeout());

        Map<String, String> raw = minimal();
        raw.put("wsproxy.requestBufferSize", "0B");
        raw.put("wsproxy.clientBodyTimeout", "0s");
        raw.put("wsproxy.maxUploadsPerClient", "1");
        RequestBodyConfig off = parse(raw).requestBody();
        assertEquals(0, off.bufferSize());
        assertEquals(Duration.ZERO, off.timeout());
        assertEquals(1, off.maxPerClient());
        assertEquals(1 << 30, parseWith("wsproxy.requestBufferSize", "1GiB").requestBody().bufferSize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1048576", "2GiB", "-1B", "lots"})
    public void badRequestBufferSizeIsRefused(String value)
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.requestBufferSize", value)),
            "wsproxy.requestBufferSize", value);
    }

    @Test
    public void badClientBodyTimeoutAndUploadLimitAreRefused()
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.clientBodyTimeout", "60")),
            "wsproxy.clientBodyTimeout", "60");
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.maxUploadsPerClient", "0")),
            "wsproxy.maxUploadsPerClient", "0");
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.maxUploadsPerClient", "many")),
            "wsproxy.maxUploadsPerClient", "many");
    }

    @Test
    public void maxFrameSizeBoundsAreInclusive()
    {
        assertEquals(125, parseWith("wsproxy.maxFrameSize", "125B").maxFrameSize());
        assertEquals(Integer.MAX_VALUE, parseWith("wsproxy.maxFrameSize", "2147483647B").maxFrameSize());
    }

    @ParameterizedTest
    // Literal addresses only, so that no name is looked up: a non-zero host part, a prefix too long, IPv4/IPv6 mixed.
    @ValueSource(strings = {"10.0.0.1/8", "10.0.0.0/33", "10.0.0.1-::1"})
    public void badTrustedProxyEntryIsRefused(String entry)
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.trustedProxies", "127.0.0.1, " + entry)),
            "wsproxy.trustedProxies", entry);
    }

    // ---- Pools ---------------------------------------------------------------------------------

    @Test
    public void namedPoolsAreSharedByRoutesAndBackendsTakeWeightBackupAndDrain()
    {
        Map<String, String> raw = new HashMap<>();
        raw.put("wsproxy.pools", "chat, web");
        raw.put("wsproxy.pool.chat.backends", "http://10.0.0.1:8080 weight=3, http://10.0.0.2:8080 WEIGHT=1 drain,\n http://10.0.0.9:8080 backup");
        raw.put("wsproxy.pool.web.backends", "http://10.0.1.1 http://10.0.1.2");
        raw.put("wsproxy.routes", "ws, poll, app");
        raw.put("wsproxy.route.ws.path", "/ws/");
        raw.put("wsproxy.route.ws.pool", "chat");
        raw.put("wsproxy.route.poll.path", "/socket.io/");
        raw.put("wsproxy.route.poll.pool", "chat");
        raw.put("wsproxy.route.app.path", "/");
        raw.put("wsproxy.route.app.backends", "http://10.0.2.1");
        ProxyConfig config = parse(raw);

        assertEquals(List.of("chat", "web", "route:app"), config.pools().stream().map(PoolConfig::name).toList());
        assertEquals("chat", route(config, "ws").pool());
        assertEquals("chat", route(config, "poll").pool());
        assertEquals(List.of(
                new BackendConfig(URI.create("http://10.0.0.1:8080"), 3, false, false),
                new BackendConfig(URI.create("http://10.0.0.2:8080"), 1, false, true),
                new BackendConfig(URI.create("http://10.0.0.9:8080"), 1, true, false)),
            config.pool("chat").backends());
        assertEquals(List.of(URI.create("http://10.0.1.1"), URI.create("http://10.0.1.2")),
            config.pool("web").backends().stream().map(BackendConfig::uri).toList());
        assertEquals(List.of(URI.create("http://10.0.2.1")), uris(config, route(config, "app")));
    }

    @Test
    public void routeNamingAnUnknownPoolIsRefused()
    {
        Map<String, String> raw = minimal();
        raw.remove("wsproxy.route.main.backends");
        raw.put("wsproxy.route.main.pool", "nope");
        assertRefused(raw, "wsproxy.route.main.pool", "nope");
        raw.put("wsproxy.pools", "chat");
        raw.put("wsproxy.pool.chat.backends", "http://127.0.0.1:8081");
        assertRefused(raw, "wsproxy.route.main.pool", "nope");
        raw.remove("wsproxy.route.main.pool");
        assertRefused(raw, "wsproxy.route.main.pool", "");
    }

    @Test
    public void routeWithBothPoolAndBackendsIsRefused()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.pools", "chat");
        raw.put("wsproxy.pool.chat.backends", "http://127.0.0.1:8082");
        raw.put("wsproxy.route.main.pool", "chat");
        assertRefused(raw, "wsproxy.route.main.backends", "http://127.0.0.1:8081");
    }

    @Test
    public void listedPoolWithoutBackendsIsRefused()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.pools", "chat");
        assertRefused(raw, "wsproxy.pool.chat.backends", "");
    }

    @Test
    public void unlistedPoolParameterIsRefusedAsUnknown()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.pool.chat.backends", "http://127.0.0.1:8082");
        assertRefused(raw, "wsproxy.pool.chat.backends", "http://127.0.0.1:8082");
    }

    @ParameterizedTest
    @ValueSource(strings = {"weight=0", "weight=1001", "weight=x", "heavy", "backup=yes"})
    public void badBackendOptionIsRefusedByItself(String option)
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.route.main.backends", "http://127.0.0.1:8081 " + option)),
            "wsproxy.route.main.backends", option);
    }

    @Test
    public void optionBeforeAnyUrlAndDuplicateUrlAreRefused()
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.route.main.backends", "backup http://127.0.0.1:8081")),
            "wsproxy.route.main.backends", "backup");
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.route.main.backends", "http://127.0.0.1:8081, http://127.0.0.1:8081 backup")),
            "wsproxy.route.main.backends", "http://127.0.0.1:8081");
    }

    @Test
    public void badPoolNamesAreRefused()
    {
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.pools", "a.b")), "wsproxy.pools", "a.b");
        assertRefusal(assertThrows(ConfigException.class, () -> parseWith("wsproxy.pools", "a, a")), "wsproxy.pools", "a, a");
    }

    @ParameterizedTest
    @CsvSource({
        "round-robin, round-robin",
        "Least-Connections, least-connections",
        "least-conn, least-connections",
        "power-of-two, power-of-two",
        "random-two, power-of-two",
        "ip-hash, ip-hash",
        "header:X-User-Id, header:X-User-Id",
        "cookie:room, cookie:room",
        "query:room, query:room"
    })
    public void everyBalancerIsUnderstood(String text, String parsed)
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.pools", "p");
        raw.put("wsproxy.pool.p.backends", "http://127.0.0.1:8082");
        raw.put("wsproxy.pool.p.balancer", text);
        assertEquals(parsed, parse(raw).pool("p").balancer().toString());
        raw.remove("wsproxy.pool.p.balancer");
        assertEquals("round-robin", parse(raw).pool("p").balancer().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"random", "header:", "header", "cookie:a b", "hash:x", "ip_hash"})
    public void badBalancerIsRefused(String value)
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.pools", "p");
        raw.put("wsproxy.pool.p.backends", "http://127.0.0.1:8082");
        raw.put("wsproxy.pool.p.balancer", value);
        assertRefused(raw, "wsproxy.pool.p.balancer", value);
    }

    @Test
    public void healthChecksAreOffByDefaultAndParsedWhenAsked()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.pools", "p");
        raw.put("wsproxy.pool.p.backends", "http://127.0.0.1:8082");
        PoolConfig defaults = parse(raw).pool("p");
        assertEquals(new HealthCheckConfig(HealthCheckConfig.Kind.NONE, "/", 200, 399, Duration.ofSeconds(5), Duration.ofSeconds(2), 2, 3),
            defaults.healthCheck());
        assertFalse(defaults.shutdownSessionsOnDown());
        assertEquals(new PassiveHealthConfig(1, Duration.ofSeconds(10), Duration.ofMinutes(5)), defaults.passive());
        assertEquals(defaults.healthCheck(), parse(raw).pool("route:main").healthCheck());

        raw.put("wsproxy.pool.p.healthCheck", "websocket");
        raw.put("wsproxy.pool.p.healthCheckPath", "/ws/health?probe=1");
        raw.put("wsproxy.pool.p.healthCheckStatus", "204");
        raw.put("wsproxy.pool.p.healthCheckInterval", "1s");
        raw.put("wsproxy.pool.p.healthCheckTimeout", "500ms");
        raw.put("wsproxy.pool.p.healthCheckRise", "1");
        raw.put("wsproxy.pool.p.healthCheckFall", "5");
        raw.put("wsproxy.pool.p.shutdownSessionsOnDown", "true");
        raw.put("wsproxy.pool.p.maxFails", "3");
        raw.put("wsproxy.pool.p.failTimeout", "2s");
        raw.put("wsproxy.pool.p.maxEjection", "1m");
        PoolConfig pool = parse(raw).pool("p");
        assertEquals(new HealthCheckConfig(HealthCheckConfig.Kind.WEBSOCKET, "/ws/health?probe=1", 204, 204, Duration.ofSeconds(1), Duration.ofMillis(500), 1, 5),
            pool.healthCheck());
        assertTrue(pool.shutdownSessionsOnDown());
        assertEquals(new PassiveHealthConfig(3, Duration.ofSeconds(2), Duration.ofMinutes(1)), pool.passive());
    }

    @ParameterizedTest
    @CsvSource({
        "healthCheck, tcp",
        "healthCheckPath, health",
        "healthCheckStatus, 2xx",
        "healthCheckStatus, 399-200",
        "healthCheckInterval, 5ms",
        "healthCheckTimeout, 0s",
        "healthCheckRise, 0",
        "healthCheckFall, -1",
        "shutdownSessionsOnDown, sometimes",
        "maxFails, 0",
        "failTimeout, 10",
        "maxEjection, 1s"
    })
    public void badHealthParametersAreRefused(String key, String value)
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.pools", "p");
        raw.put("wsproxy.pool.p.backends", "http://127.0.0.1:8082");
        raw.put("wsproxy.pool.p." + key, value);
        assertRefused(raw, "wsproxy.pool.p." + key, value);
    }

    @Test
    public void retriesInheritTheGlobalSettings()
    {
        Map<String, String> raw = minimal();
        assertEquals(new RetryConfig(3, Duration.ofSeconds(15)), route(parse(raw), "main").retry());
        raw.put("wsproxy.maxAttempts", "5");
        raw.put("wsproxy.route.main.retryTimeout", "2s");
        assertEquals(new RetryConfig(5, Duration.ofSeconds(2)), route(parse(raw), "main").retry());
        raw.put("wsproxy.route.main.maxAttempts", "0");
        assertRefused(raw, "wsproxy.route.main.maxAttempts", "0");
    }

    @Test
    public void stickyCookieAndSecretAreParsed()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.pools", "p");
        raw.put("wsproxy.pool.p.backends", "http://127.0.0.1:8082");
        assertEquals("", parse(raw).pool("p").stickyCookie());
        assertEquals("", parse(raw).stickySecret());
        raw.put("wsproxy.pool.p.stickyCookie", "WSPROXY_B");
        raw.put("wsproxy.stickySecret", "sixteen chars at least");
        assertEquals("WSPROXY_B", parse(raw).pool("p").stickyCookie());
        assertEquals("sixteen chars at least", parse(raw).stickySecret());
        raw.put("wsproxy.pool.p.stickyCookie", "a b");
        assertRefused(raw, "wsproxy.pool.p.stickyCookie", "a b");
        raw.put("wsproxy.pool.p.stickyCookie", "ok");
        raw.put("wsproxy.stickySecret", "short");
        // The secret itself never reaches the log.
        ConfigException x = assertRefused(raw, "wsproxy.stickySecret", "(hidden)");
        assertFalse(x.getMessage().contains("short"));
    }

    @Test
    public void adminEndpointIsOffByDefaultAndNeverOpenWithoutAToken()
    {
        Map<String, String> raw = minimal();
        assertFalse(parse(raw).admin().enabled());
        assertEquals(List.of("127.0.0.1", "::1"), parse(raw).admin().allow());
        raw.put("wsproxy.admin.path", "/_wsproxy/pools");
        assertRefused(raw, "wsproxy.admin.token", "(hidden)");
        raw.put("wsproxy.admin.token", "too-short");
        assertRefused(raw, "wsproxy.admin.token", "(hidden)");
        raw.put("wsproxy.admin.token", "a-token-of-enough-length");
        AdminConfig admin = parse(raw).admin();
        assertTrue(admin.enabled());
        assertFalse(admin.toString().contains("a-token-of-enough-length"));
        raw.put("wsproxy.admin.allow", "10.0.0.0/8, 192.168.1.5");
        assertEquals(List.of("10.0.0.0/8", "192.168.1.5"), parse(raw).admin().allow());
        raw.put("wsproxy.admin.allow", "10.0.0.1/8");
        assertRefused(raw, "wsproxy.admin.allow", "10.0.0.1/8");
        raw.remove("wsproxy.admin.allow");
        raw.put("wsproxy.admin.path", "/");
        assertRefused(raw, "wsproxy.admin.path", "/");
        raw.remove("wsproxy.admin.path");
        assertRefused(raw, "wsproxy.admin.path", "");
    }

    @Test
    public void unknownServletInitParamIsRefused()
    {
        ConfigException x = assertThrows(ConfigException.class,
            () -> ProxyConfigParser.parseHttpClient(new Params(Map.of("timeout", "30000"), "")));
        assertRefusal(x, "timeout", "30000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "many", "1.5"})
    public void badMaxConnectionsPerBackendIsRefused(String value)
    {
        ConfigException x = assertThrows(ConfigException.class,
            () -> ProxyConfigParser.parseHttpClient(new Params(Map.of("maxConnectionsPerBackend", value), "")));
        assertRefusal(x, "maxConnectionsPerBackend", value);
    }
    @Test
    public void edgeChecksAreOffOrFarAwayByDefaultAndRoutesOverrideTheGlobalOnes()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.routes", "main, ws");
        raw.put("wsproxy.route.ws.path", "/ws/");
        raw.put("wsproxy.route.ws.backends", "http://127.0.0.1:8082");
        raw.put("wsproxy.allowedOrigins", "https://app.example.com, https://*.example.org same-origin");
        raw.put("wsproxy.denyClients", "192.0.2.0/24");
        raw.put("wsproxy.route.ws.allowedOrigins", "");
        raw.put("wsproxy.route.ws.allowClients", "10.0.0.0/8");
        raw.put("wsproxy.route.ws.handshakeRate", "5");
        ProxyConfig config = parse(raw);
        EdgeConfig main = config.routes().get(0).edge();
        assertEquals(List.of("https://app.example.com", "https://*.example.org", "same-origin"), main.allowedOrigins());
        assertEquals(List.of("192.0.2.0/24"), main.denyClients());
        assertEquals(List.of(), main.allowClients());
        assertTrue(main.allowMissingOrigin());
        assertEquals(10000, main.maxSessionsPerClient());
        assertEquals(1000, main.handshakeRate());
        assertEquals(10000, main.handshakeBurst());
        EdgeConfig ws = config.routes().get(1).edge();
        assertEquals(List.of(), ws.allowedOrigins());
        assertEquals(List.of("10.0.0.0/8"), ws.allowClients());
        assertEquals(List.of("192.0.2.0/24"), ws.denyClients());
        assertEquals(5, ws.handshakeRate());
        assertEquals(100000, config.maxSessions());
        assertEquals(List.of("X-Client-IP", "True-Client-IP", "X-Cluster-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP"), config.clientIpHeaders());
    }

    @ParameterizedTest
    @CsvSource({
        "wsproxy.allowedOrigins, https://app.example.com/path",
        "wsproxy.allowedOrigins, *",
        "wsproxy.route.main.allowedOrigins, app.example.com",
        "wsproxy.allowClients, 10.0.0.0/33",
        "wsproxy.route.main.denyClients, example.com",
        "wsproxy.maxSessions, 0",
        "wsproxy.route.main.maxSessionsPerClient, many",
        "wsproxy.handshakeRate, -1",
        "wsproxy.route.main.handshakeBurst, 0",
        "wsproxy.allowMissingOrigin, maybe",
        "wsproxy.clientIpHeaders, X Client:IP",
    })
    public void badEdgeValuesAreRefusedByName(String name, String value)
    {
        Map<String, String> raw = minimal();
        raw.put(name, value);
        ConfigException x = assertThrows(ConfigException.class, () -> parse(raw));
        assertTrue(x.getMessage().contains(name), x.getMessage());
    }

    @Test
    public void drainAndReadinessDefaultsAndRefusals()
    {
        DrainConfig drain = parse(minimal()).drain();
        assertEquals(Duration.ofSeconds(30), drain.timeout());
        assertEquals(Duration.ofSeconds(10), drain.spread());
        assertFalse(drain.readinessEnabled());
        assertEquals("/_wsproxy/ready", parseWith("wsproxy.readinessPath", "/_wsproxy/ready").drain().readinessPath());
        assertEquals(Duration.ZERO, parseWith("wsproxy.drainSpread", "0s").drain().spread());

        Map<String, String> raw = minimal();
        raw.put("wsproxy.drainTimeout", "30");
        assertRefused(raw, "wsproxy.drainTimeout", "30");
        raw = minimal();
        raw.put("wsproxy.drainSpread", "-1s");
        assertRefused(raw, "wsproxy.drainSpread", "-1s");
        for (String path : List.of("ready", "/ready/", "/", "/r*", "/_wsproxy/pools"))
        {
            raw = minimal();
            raw.put("wsproxy.admin.path", "/_wsproxy/pools");
            raw.put("wsproxy.admin.token", "0123456789abcdef");
            raw.put("wsproxy.readinessPath", path);
            assertRefused(raw, "wsproxy.readinessPath", path);
        }
    }

    @Test
    public void backendTlsDefaultsAndRefusals()
    {
        BackendTlsConfig tls = parse(minimal()).backendTls();
        assertEquals("", tls.trustStore());
        assertEquals("PKCS12", tls.trustStoreType());
        assertFalse(tls.trustAll());
        assertTrue(parseWith("wsproxy.backendTrustAll", "true").backendTls().trustAll());

        Map<String, String> raw = minimal();
        raw.put("wsproxy.backendTrustAll", "maybe");
        assertRefused(raw, "wsproxy.backendTrustAll", "maybe");
        raw = minimal();
        raw.put("wsproxy.backendTrustAll", "true");
        raw.put("wsproxy.backendTrustStore", "etc/backends.p12");
        assertRefused(raw, "wsproxy.backendTrustAll", "true");
        raw = minimal();
        raw.put("wsproxy.backendTrustStore", "etc/backends.p12");
        raw.put("wsproxy.backendTrustStoreType", "NOPE");
        assertRefused(raw, "wsproxy.backendTrustStoreType", "NOPE");
        // The password is never in a message or in toString().
        raw = minimal();
        raw.put("wsproxy.backendTrustStore", "etc/backends.p12");
        raw.put("wsproxy.backendTrustStorePassword", "s3cret-pass");
        assertFalse(parse(raw).backendTls().toString().contains("s3cret-pass"));
    }

    @Test
    public void stormSettingsPerPoolWithDefaultsAndRefusals()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.pools", "chat, web");
        raw.put("wsproxy.pool.chat.backends", "http://10.0.0.1:8080");
        raw.put("wsproxy.pool.web.backends", "http://10.0.1.1:8080");
        raw.put("wsproxy.pool.chat.slowStart", "30s");
        raw.put("wsproxy.pool.chat.maxHandshakes", "0");
        raw.put("wsproxy.pool.chat.handshakeQueue", "50");
        raw.put("wsproxy.pool.chat.handshakeQueueTimeout", "2s");
        ProxyConfig config = parse(raw);
        StormConfig chat = config.pools().stream().filter(p -> p.name().equals("chat")).findFirst().orElseThrow().storm();
        assertEquals(new StormConfig(java.time.Duration.ofSeconds(30), 0, 50, java.time.Duration.ofSeconds(2)), chat);
        StormConfig web = config.pools().stream().filter(p -> p.name().equals("web")).findFirst().orElseThrow().storm();
        assertEquals(new StormConfig(java.time.Duration.ZERO, 1000, 10000, java.time.Duration.ofSeconds(10)), web);
        assertTrue(web.capped());

        for (String[] bad : new String[][] {{"slowStart", "-1s"}, {"slowStart", "30"}, {"maxHandshakes", "-1"}, {"maxHandshakes", "many"},
            {"handshakeQueue", "1.5"}, {"handshakeQueueTimeout", "0s"}})
        {
            Map<String, String> wrong = new HashMap<>(raw);
            wrong.put("wsproxy.pool.chat." + bad[0], bad[1]);
            assertRefused(wrong, "wsproxy.pool.chat." + bad[0], bad[1]);
        }
    }

    // ---- Relay limits and keepalive ----------------------------------------------------------

    @Test
    public void relayPolicyIsOffByDefaultAndRoutesOverrideTheDefaults()
    {
        Map<String, String> raw = minimal();
        raw.put("wsproxy.routes", "main, chat");
        raw.put("wsproxy.route.chat.path", "/chat/");
        raw.put("wsproxy.route.chat.backends", "http://127.0.0.1:8082");
        raw.put("wsproxy.pingInterval", "30s");
        raw.put("wsproxy.clientMessageRate", "100");
        raw.put("wsproxy.route.chat.clientMessageRate", "5");
        raw.put("wsproxy.route.chat.maxBackendMessageSize", "1MiB");
        raw.put("wsproxy.route.chat.overRate", "slow");
        ProxyConfig config = parse(raw);
        RelayPolicyConfig main = route(config, "main").relayPolicy();
        RelayPolicyConfig chat = route(config, "chat").relayPolicy();
        assertEquals(new RelayPolicyConfig.Direction(0, 100, 0), main.fromClient());
        assertEquals(new RelayPolicyConfig.Direction(0, 0, 0), main.fromBackend());
        assertEquals(java.time.Duration.ofSeconds(30), main.pingInterval());
        assertEquals(java.time.Duration.ofSeconds(10), main.pingTimeout());
        assertEquals(java.time.Duration.ofSeconds(1), main.rateBurst());
        assertTrue(!main.slowOverRate());
        assertEquals(new RelayPolicyConfig.Direction(0, 5, 0), chat.fromClient());
        assertEquals(new RelayPolicyConfig.Direction(1 << 20, 0, 0), chat.fromBackend());
        assertTrue(chat.slowOverRate());
        assertEquals(java.time.Duration.ofSeconds(30), chat.pingInterval());
        RelayPolicyConfig none = parse(minimal()).routes().get(0).relayPolicy();
        assertTrue(!none.keepalive() && !none.fromClient().limited() && !none.fromBackend().limited(), none.toString());
    }

    @ParameterizedTest
    @CsvSource({
        "wsproxy.clientMessageRate, -1",
        "wsproxy.route.main.backendMessageRate, 5/s",
        "wsproxy.clientByteRate, 100",
        "wsproxy.route.main.maxClientMessageSize, big",
        "wsproxy.overRate, drop",
        "wsproxy.route.main.overRate, block",
        "wsproxy.rateBurst, 0s",
        "wsproxy.pingInterval, 5ms",
        "wsproxy.route.main.pingTimeout, 0s",
        "wsproxy.pingTimeout, 30",
    })
    public void badRelayPolicyValuesAreRefusedNamingParameterAndValue(String name, String value)
    {
        Map<String, String> raw = minimal();
        raw.put(name, value);
        assertRefused(raw, name, value);
    }
}
