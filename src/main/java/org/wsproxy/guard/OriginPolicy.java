package org.wsproxy.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which Origins may open a WebSocket on a route (Cross-Site WebSocket Hijacking: a browser sends the page's
 * cookies with any page's upgrade, and only the Origin header says whose page it is). Off when the list is
 * empty. Entries: an exact origin ({@code https://app.example.com}, default ports optional), a wildcard
 * ({@code https://*.example.com}: any subdomain, not the domain itself), {@code same-origin} (the Origin's
 * host and port are the request's Host) and {@code null} (the literal {@code Origin: null} of sandboxed
 * frames and file pages, refused unless listed). Hosts compare without letter case.
 */
final class OriginPolicy
{
    private final List<Origin> exact = new ArrayList<>();
    private final List<Origin> wildcards = new ArrayList<>();
    private final boolean sameOrigin;
    private final boolean nullOrigin;
    private final boolean allowMissing;
    private final boolean enabled;

    OriginPolicy(List<String> allowed, boolean allowMissing)
    {
        boolean same = false;
        boolean nul = false;
        for (String entry : allowed)
        {
            if (entry.equals("same-origin"))
                same = true;
            else if (entry.equals("null"))
                nul = true;
            else
            {
                Origin origin = Origin.parse(entry);
                if (origin == null)
                    throw new IllegalArgumentException("not an origin: " + entry);
                (origin.host.startsWith("*.") ? wildcards : exact).add(origin);
            }
        }
        this.sameOrigin = same;
        this.nullOrigin = nul;
        this.allowMissing = allowMissing;
        this.enabled = !allowed.isEmpty();
    }

    /**
     * @param origins the request's Origin header values (none, one, or, from a broken or hostile client, several)
     * @param host the request's Host header, or null
     */
    boolean allows(List<String> origins, String host)
    {
        if (!enabled)
            return true;
        if (origins.isEmpty())
            return allowMissing;
        // Which of two Origins to believe is not ours to pick (RFC 6454 7.3 allows one).
        if (origins.size() > 1)
            return false;
        String value = origins.get(0).trim();
        if (value.equals("null"))
            return nullOrigin;
        Origin origin = Origin.parse(value);
        if (origin == null)
            return false;
        for (Origin allowed : exact)
        {
            if (allowed.scheme.equals(origin.scheme) && allowed.host.equals(origin.host) && allowed.port == origin.port)
                return true;
        }
        for (Origin allowed : wildcards)
        {
            // "*.example.com" matches "a.example.com" and "a.b.example.com", never "example.com" or "badexample.com".
            if (allowed.scheme.equals(origin.scheme) && allowed.port == origin.port && origin.host.endsWith(allowed.host.substring(1)))
                return true;
        }
        return sameOrigin && host != null && sameHost(origin, host);
    }

    /** The Origin's host and port against the Host header's, a missing port being the Origin scheme's default. */
    private static boolean sameHost(Origin origin, String host)
    {
        Origin requested = Origin.parse(origin.scheme + "://" + host.trim());
        return requested != null && requested.host.equals(origin.host) && requested.port == origin.port;
    }

    boolean enabled()
    {
        return enabled;
    }

    /** An origin with its host in lower case and its port made explicit (-1 for a scheme without a known default). */
    private record Origin(String scheme, String host, int port)
    {
        static Origin parse(String text)
        {
            int separator = text.indexOf("://");
            if (separator <= 0)
                return null;
            String scheme = text.substring(0, separator).toLowerCase(Locale.ROOT);
            String authority = text.substring(separator + 3);
            if (authority.isEmpty() || authority.contains("/") || authority.contains("@") || authority.contains("?") || authority.contains("#"))
                return null;
            String host = authority;
            int port = -1;
            int colon = authority.lastIndexOf(':');
            if (colon > authority.lastIndexOf(']'))
            {
                host = authority.substring(0, colon);
                try
                {
                    port = Integer.parseInt(authority.substring(colon + 1));
                }
                catch (NumberFormatException x)
                {
                    return null;
                }
                if (port < 0 || port > 65535)
                    return null;
            }
            if (host.isEmpty())
                return null;
            if (port < 0)
                port = switch (scheme)
                {
                    case "http", "ws" -> 80;
                    case "https", "wss" -> 443;
                    default -> -1;
                };
            return new Origin(scheme, host.toLowerCase(Locale.ROOT), port);
        }
    }
}
