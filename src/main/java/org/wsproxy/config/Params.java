package org.wsproxy.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, checked access to one set of raw string parameters (context-params or one filter's or
 * servlet's init-params). Every read is remembered so that, once parsing is done,
 * {@link #rejectUnknown()} can refuse a misspelt name instead of silently ignoring it.
 */
public final class Params
{
    private final Map<String, String> raw;
    private final String prefix;
    private final Set<String> read = new HashSet<>();

    /**
     * @param raw the parameters, name to value
     * @param prefix only names starting with this are checked by {@link #rejectUnknown()};
     * "" checks all (init-params), "wsproxy." leaves other context-params to their owners
     */
    public Params(Map<String, String> raw, String prefix)
    {
        this.raw = Map.copyOf(raw);
        this.prefix = prefix;
    }

    public boolean has(String name)
    {
        return raw.containsKey(name);
    }

    public String string(String name, String fallback)
    {
        read.add(name);
        String value = raw.get(name);
        return value == null ? fallback : value.trim();
    }

    public String required(String name, String expected)
    {
        String value = string(name, null);
        if (value == null || value.isEmpty())
            throw new ConfigException(name, value == null ? "" : value, expected + " (it is required)");
        return value;
    }

    /** Names separated by commas and/or white space; empty if absent. */
    public List<String> list(String name)
    {
        String value = string(name, "");
        if (value.isEmpty())
            return List.of();
        return Arrays.stream(value.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
    }

    public boolean bool(String name, boolean fallback)
    {
        String value = string(name, null);
        if (value == null)
            return fallback;
        return switch (value.toLowerCase(Locale.ROOT))
        {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(name, value, "true or false");
        };
    }

    public Duration duration(String name, Duration fallback)
    {
        String value = string(name, null);
        if (value == null)
            return fallback;
        Duration duration = Units.duration(value);
        if (duration == null)
            throw new ConfigException(name, value, "a non-negative duration with a unit: ms, s, m, h or d (e.g. 500ms, 30s, 24h)");
        return duration;
    }

    public long size(String name, long fallback)
    {
        String value = string(name, null);
        if (value == null)
            return fallback;
        long size = Units.size(value);
        if (size < 0)
            throw new ConfigException(name, value, "a non-negative size with a unit: B, KiB, MiB or GiB (e.g. 64KiB, 16MiB)");
        return size;
    }

    public int positiveInt(String name, int fallback)
    {
        String value = string(name, null);
        if (value == null)
            return fallback;
        try
        {
            int number = Integer.parseInt(value);
            if (number > 0)
                return number;
        }
        catch (NumberFormatException ignored)
        {
            // Reported below, with the parameter's name.
        }
        throw new ConfigException(name, value, "a whole number greater than 0");
    }

    public int nonNegativeInt(String name, int fallback)
    {
        String value = string(name, null);
        if (value == null)
            return fallback;
        try
        {
            int number = Integer.parseInt(value);
            if (number >= 0)
                return number;
        }
        catch (NumberFormatException ignored)
        {
            // Reported below, with the parameter's name.
        }
        throw new ConfigException(name, value, "a whole number, 0 or more");
    }

    /**
     * Backends, separated by commas and/or white space: each an absolute http, https, ws or wss URL with a
     * host, optionally followed by {@code weight=N}, {@code backup} and {@code drain}
     * ({@code http://a:8080 weight=3, http://b:8080 backup}).
     */
    public List<BackendConfig> backends(String name)
    {
        return backends(name, string(name, ""));
    }

    /** The same syntax as {@link #backends(String)}, for a value read elsewhere (the watched pools file). */
    public static List<BackendConfig> backends(String name, String value)
    {
        List<String> tokens = value.isBlank() ? List.of() : Arrays.stream(value.trim().split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
        if (tokens.isEmpty())
            throw new ConfigException(name, value.trim(), "one or more backend URLs such as http://127.0.0.1:8081 (it is required)");
        List<BackendConfig> backends = new ArrayList<>();
        BackendConfig current = null;
        for (String token : tokens)
        {
            String lower = token.toLowerCase(Locale.ROOT);
            if (token.contains("://"))
            {
                if (current != null)
                    backends.add(current);
                current = BackendConfig.of(url(name, token));
                continue;
            }
            String expected = "a backend URL such as http://127.0.0.1:8081, each optionally followed by weight=N (1 to " +
                BackendConfig.MAX_WEIGHT + "), backup or drain";
            if (current == null)
                throw new ConfigException(name, token, expected);
            if (lower.equals("backup"))
                current = new BackendConfig(current.uri(), current.weight(), true, current.drain());
            else if (lower.equals("drain"))
                current = new BackendConfig(current.uri(), current.weight(), current.backup(), true);
            else if (lower.startsWith("weight="))
            {
                int weight;
                try
                {
                    weight = Integer.parseInt(token.substring("weight=".length()));
                }
                catch (NumberFormatException x)
                {
                    weight = 0;
                }
                if (weight < 1 || weight > BackendConfig.MAX_WEIGHT)
                    throw new ConfigException(name, token, expected);
                current = new BackendConfig(current.uri(), weight, current.backup(), current.drain());
            }
            else
                throw new ConfigException(name, token, expected);
        }
        backends.add(current);
        Set<URI> seen = new HashSet<>();
        for (BackendConfig backend : backends)
        {
            if (!seen.add(backend.uri()))
                throw new ConfigException(name, backend.uri().toString(), "each backend URL once");
        }
        return List.copyOf(backends);
    }

    private static URI url(String name, String value)
    {
        String expected = "an absolute http://, https://, ws:// or wss:// URL with a host and no query, e.g. http://127.0.0.1:8081";
        try
        {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!Set.of("http", "https", "ws", "wss").contains(scheme) || uri.getHost() == null ||
                uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null)
                throw new ConfigException(name, value, expected);
            return uri;
        }
        catch (URISyntaxException x)
        {
            throw new ConfigException(name, value, expected);
        }
    }

    /** Fails on the first name under the prefix that no parser asked for: a typo must not pass silently. */
    public void rejectUnknown()
    {
        Set<String> unknown = new TreeSet<>();
        for (String name : raw.keySet())
        {
            if (name.startsWith(prefix) && !read.contains(name))
                unknown.add(name);
        }
        if (!unknown.isEmpty())
        {
            String name = unknown.iterator().next();
            throw new ConfigException(name, raw.get(name), "a known parameter name (see README.md, \"Parameters\"); this one is unknown");
        }
    }
}
