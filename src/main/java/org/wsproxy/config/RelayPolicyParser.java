package org.wsproxy.config;

import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Parses the relay's per-session limits and keepalive ({@link RelayPolicyConfig}): once for the {@code wsproxy.*}
 * defaults, then once per route, each {@code wsproxy.route.<name>.*} value overriding the default.
 * The defaults themselves live in {@link ProxyConfigParser#DEFAULTS}.
 */
final class RelayPolicyParser
{
    static final String MAX_CLIENT_MESSAGE_SIZE = "maxClientMessageSize";
    static final String MAX_BACKEND_MESSAGE_SIZE = "maxBackendMessageSize";
    static final String CLIENT_MESSAGE_RATE = "clientMessageRate";
    static final String CLIENT_BYTE_RATE = "clientByteRate";
    static final String BACKEND_MESSAGE_RATE = "backendMessageRate";
    static final String BACKEND_BYTE_RATE = "backendByteRate";
    static final String RATE_BURST = "rateBurst";
    static final String OVER_RATE = "overRate";
    static final String PING_INTERVAL = "pingInterval";
    static final String PING_TIMEOUT = "pingTimeout";
    static final String[] KEYS = {MAX_CLIENT_MESSAGE_SIZE, MAX_BACKEND_MESSAGE_SIZE, CLIENT_MESSAGE_RATE, CLIENT_BYTE_RATE,
        BACKEND_MESSAGE_RATE, BACKEND_BYTE_RATE, RATE_BURST, OVER_RATE, PING_INTERVAL, PING_TIMEOUT};
    private static final long MAX_RATE = 1_000_000_000L;

    private RelayPolicyParser()
    {
    }

    /** The {@code wsproxy.*} defaults. */
    static RelayPolicyConfig parseDefaults(Params params)
    {
        RelayPolicyConfig builtIn = new RelayPolicyConfig(
            new RelayPolicyConfig.Direction(size(MAX_CLIENT_MESSAGE_SIZE), rate(CLIENT_MESSAGE_RATE), size(CLIENT_BYTE_RATE)),
            new RelayPolicyConfig.Direction(size(MAX_BACKEND_MESSAGE_SIZE), rate(BACKEND_MESSAGE_RATE), size(BACKEND_BYTE_RATE)),
            duration(RATE_BURST), overRate(ProxyConfigParser.PREFIX + OVER_RATE, defaultValue(OVER_RATE)),
            duration(PING_INTERVAL), duration(PING_TIMEOUT));
        return parse(params, key -> ProxyConfigParser.PREFIX + key, builtIn);
    }

    /** Route {@code name}'s policy: its own values where given, else {@code defaults}. */
    static RelayPolicyConfig parseRoute(Params params, String name, RelayPolicyConfig defaults)
    {
        return parse(params, key -> ProxyConfigParser.route(name, key), defaults);
    }

    private static RelayPolicyConfig parse(Params params, UnaryOperator<String> name, RelayPolicyConfig fallback)
    {
        RelayPolicyConfig.Direction client = new RelayPolicyConfig.Direction(
            params.size(name.apply(MAX_CLIENT_MESSAGE_SIZE), fallback.fromClient().maxMessageSize()),
            rate(params, name.apply(CLIENT_MESSAGE_RATE), fallback.fromClient().messageRate()),
            byteRate(params, name.apply(CLIENT_BYTE_RATE), fallback.fromClient().byteRate()));
        RelayPolicyConfig.Direction backend = new RelayPolicyConfig.Direction(
            params.size(name.apply(MAX_BACKEND_MESSAGE_SIZE), fallback.fromBackend().maxMessageSize()),
            rate(params, name.apply(BACKEND_MESSAGE_RATE), fallback.fromBackend().messageRate()),
            byteRate(params, name.apply(BACKEND_BYTE_RATE), fallback.fromBackend().byteRate()));
        Duration burst = params.duration(name.apply(RATE_BURST), fallback.rateBurst());
        if (burst.toMillis() < 1)
            throw new ConfigException(name.apply(RATE_BURST), params.string(name.apply(RATE_BURST), ""), "a duration of at least 1ms, e.g. 1s");
        String overRateName = name.apply(OVER_RATE);
        boolean slow = params.has(overRateName) ? overRate(overRateName, params.string(overRateName, "")) : fallback.slowOverRate();
        Duration interval = params.duration(name.apply(PING_INTERVAL), fallback.pingInterval());
        if (!interval.isZero() && interval.toMillis() < 10)
            throw new ConfigException(name.apply(PING_INTERVAL), params.string(name.apply(PING_INTERVAL), ""), "0s (no pings) or a duration of at least 10ms, e.g. 30s");
        Duration timeout = params.duration(name.apply(PING_TIMEOUT), fallback.pingTimeout());
        if (timeout.toMillis() < 10)
            throw new ConfigException(name.apply(PING_TIMEOUT), params.string(name.apply(PING_TIMEOUT), ""), "a duration of at least 10ms, e.g. 10s");
        return new RelayPolicyConfig(client, backend, burst, slow, interval, timeout);
    }

    private static long rate(Params params, String name, long fallback)
    {
        String value = params.string(name, null);
        if (value == null)
            return fallback;
        try
        {
            long rate = Long.parseLong(value);
            if (rate >= 0 && rate <= MAX_RATE)
                return rate;
        }
        catch (NumberFormatException ignored)
        {
            // Reported below, with the parameter's name.
        }
        throw new ConfigException(name, value, "a whole number of messages per second from 0 (no limit) to " + MAX_RATE);
    }

    private static long byteRate(Params params, String name, long fallback)
    {
        String value = params.string(name, null);
        if (value == null)
            return fallback;
        long size = Units.size(value);
        if (size < 0)
            throw new ConfigException(name, value, "a size per second with a unit: B, KiB, MiB or GiB (e.g. 256KiB), or 0B for no limit");
        return size;
    }

    private static boolean overRate(String name, String value)
    {
        return switch (value.toLowerCase(Locale.ROOT))
        {
            case "close" -> false;
            case "slow" -> true;
            default -> throw new ConfigException(name, value, "close (1008 Policy Violation) or slow (stop reading the sender until its rate allows)");
        };
    }

    private static String defaultValue(String key)
    {
        return ProxyConfigParser.DEFAULTS.get(ProxyConfigParser.PREFIX + key);
    }

    private static long size(String key)
    {
        return Units.size(defaultValue(key));
    }

    private static long rate(String key)
    {
        return Long.parseLong(defaultValue(key));
    }

    private static Duration duration(String key)
    {
        return Units.duration(defaultValue(key));
    }
}
