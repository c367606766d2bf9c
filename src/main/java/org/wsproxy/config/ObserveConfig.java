package org.wsproxy.config;

import java.util.List;

/**
 * The observation endpoints: Prometheus metrics, the status page, its JSON and its actions, all under one
 * path prefix; off unless the prefix is configured. Only callers whose address is in {@code allow} may use
 * them, without a token (Prometheus scrapers rarely carry one); the page's actions also need the page's
 * own anti-CSRF token.
 *
 * @param path the prefix within the context, or "" when off
 * @param allow addresses, CIDR blocks or ranges allowed to call it
 */
public record ObserveConfig(String path, List<String> allow)
{
    public ObserveConfig
    {
        allow = List.copyOf(allow);
    }

    public static ObserveConfig off()
    {
        return new ObserveConfig("", List.of("127.0.0.1", "::1"));
    }

    public boolean enabled()
    {
        return !path.isEmpty();
    }
}
