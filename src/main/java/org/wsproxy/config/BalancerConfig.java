package org.wsproxy.config;

import java.util.Locale;

/**
 * A pool's selection strategy as configured ({@code wsproxy.pool.<p>.balancer}).
 *
 * @param kind the strategy
 * @param key for {@link Kind#HEADER}, {@link Kind#COOKIE} and {@link Kind#QUERY}: the name hashed on; else null
 */
public record BalancerConfig(Kind kind, String key)
{
    public enum Kind
    {
        ROUND_ROBIN, LEAST_CONNECTIONS, POWER_OF_TWO, IP_HASH, HEADER, COOKIE, QUERY
    }

    public static final BalancerConfig ROUND_ROBIN = new BalancerConfig(Kind.ROUND_ROBIN, null);
    static final String EXPECTED = "round-robin, least-connections, power-of-two, ip-hash, header:<Name>, cookie:<name> or query:<name>";

    /** @return the strategy, or null when the text names none */
    static BalancerConfig parse(String text)
    {
        String value = text.trim();
        String lower = value.toLowerCase(Locale.ROOT);
        switch (lower)
        {
            case "round-robin":
                return ROUND_ROBIN;
            case "least-connections":
            case "least-conn":
                return new BalancerConfig(Kind.LEAST_CONNECTIONS, null);
            case "power-of-two":
            case "random-two":
                return new BalancerConfig(Kind.POWER_OF_TWO, null);
            case "ip-hash":
                return new BalancerConfig(Kind.IP_HASH, null);
            default:
                int colon = value.indexOf(':');
                if (colon < 0 || colon == value.length() - 1 || !value.substring(colon + 1).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+"))
                    return null;
                String key = value.substring(colon + 1);
                return switch (lower.substring(0, colon))
                {
                    case "header" -> new BalancerConfig(Kind.HEADER, key);
                    case "cookie" -> new BalancerConfig(Kind.COOKIE, key);
                    case "query" -> new BalancerConfig(Kind.QUERY, key);
                    default -> null;
                };
        }
    }

    @Override
    public String toString()
    {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', '-') + (key == null ? "" : ":" + key);
    }
}
