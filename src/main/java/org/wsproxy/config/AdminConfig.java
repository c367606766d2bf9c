package org.wsproxy.config;

import java.util.List;

/**
 * The admin endpoint: off unless a path and a token are configured; then only callers whose address is
 * in {@code allow} and who present {@code Authorization: Bearer <token>} may use it.
 *
 * @param path the path within the context, or "" when the endpoint is off
 * @param token the bearer token (16 characters or more)
 * @param allow addresses, CIDR blocks or ranges allowed to call it
 */
public record AdminConfig(String path, String token, List<String> allow)
{
    public AdminConfig
    {
        allow = List.copyOf(allow);
    }

    public boolean enabled()
    {
        return !path.isEmpty();
    }

    @Override
    public String toString()
    {
        // Never the token.
        return "AdminConfig[" + (enabled() ? path + " allow " + allow : "off") + "]";
    }
}
