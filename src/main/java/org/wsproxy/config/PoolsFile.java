package org.wsproxy.config;

import java.io.IOException;
import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The watched pools file ({@code wsproxy.poolsFile}): Java properties whose keys are
 * {@code wsproxy.pool.<pool>.backends} for named pools, or {@code wsproxy.route.<name>.backends} for a route's
 * own backends, with the same values as the context-params ({@code url weight=N backup drain}, comma
 * separated). A pool listed in the file takes the file's backends; a pool not listed keeps the
 * context-param's. Any other key, an unknown pool or a bad value refuses the whole file.
 */
public final class PoolsFile
{
    private PoolsFile()
    {
    }

    /**
     * @return the backends of every pool, the file's where it lists the pool, the configuration's elsewhere
     * @throws ConfigException naming the first bad key or value
     */
    public static Map<String, List<BackendConfig>> parse(String content, ProxyConfig config)
    {
        Map<String, List<BackendConfig>> backends = new LinkedHashMap<>();
        for (PoolConfig pool : config.pools())
            backends.put(pool.name(), pool.backends());
        backends.putAll(parseListed(content, config));
        return backends;
    }

    /** @return the backends of the pools the text lists, and only those (what the admin endpoint applies) */
    public static Map<String, List<BackendConfig>> parseListed(String content, ProxyConfig config)
    {
        Properties properties = new Properties();
        try
        {
            properties.load(new StringReader(content));
        }
        catch (IOException | IllegalArgumentException x)
        {
            throw new ConfigException(ProxyConfigParser.POOLS_FILE, "", "a properties file (" + x.getMessage() + ")");
        }
        Map<String, List<BackendConfig>> backends = new LinkedHashMap<>();
        for (String key : new java.util.TreeSet<>(properties.stringPropertyNames()))
        {
            String pool = poolOf(key, config);
            if (pool == null)
                throw new ConfigException(key, properties.getProperty(key).trim(),
                    "a key wsproxy.pool.<pool>.backends for a pool of wsproxy.pools, or wsproxy.route.<name>.backends for a route with its own backends");
            backends.put(pool, Params.backends(key, properties.getProperty(key)));
        }
        return backends;
    }

    private static String poolOf(String key, ProxyConfig config)
    {
        String prefix;
        String pool;
        if (key.startsWith("wsproxy.pool.") && key.endsWith(".backends"))
        {
            prefix = "wsproxy.pool.";
            pool = key.substring(prefix.length(), key.length() - ".backends".length());
        }
        else if (key.startsWith("wsproxy.route.") && key.endsWith(".backends"))
        {
            prefix = "wsproxy.route.";
            pool = ProxyConfigParser.ROUTE_POOL_PREFIX + key.substring(prefix.length(), key.length() - ".backends".length());
        }
        else
            return null;
        for (PoolConfig config1 : config.pools())
        {
            if (config1.name().equals(pool))
                return pool;
        }
        return null;
    }
}
