package org.wsproxy.websocket;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Recognises a client's WebSocket upgrade and checks it before any backend is bothered, so a broken
 * handshake gets its own answer (400, or 426 for a version other than 13) instead of a backend's.
 */
final class UpgradeRequests
{
    private UpgradeRequests()
    {
    }

    /**
     * HTTP/1.1 asks with {@code GET} and {@code Upgrade: websocket}; HTTP/2 (RFC 8441) with an extended
     * {@code CONNECT} that has no Upgrade header, so a CONNECT on a WebSocket route is taken as an upgrade.
     */
    static boolean isUpgrade(HttpServletRequest request)
    {
        String method = request.getMethod();
        if ("CONNECT".equals(method))
            return true;
        return "GET".equals(method) && hasToken(request, "Upgrade", "websocket");
    }

    /**
     * Makes every check Jetty's own handshake (websocket-core's {@code RFC6455Handshaker} and
     * {@code RFC8441Handshaker}) makes before it upgrades, so that a request Jetty would refuse after the
     * backend's session was opened is refused before the backend is contacted. Stricter than Jetty in two
     * places, both RFC 6455 rules: one Upgrade header (Jetty reads the last one) and one 16-byte key (Jetty
     * answers the last one, whatever it is). RFC 8441's {@code :protocol} pseudo-header is the one check left
     * to Jetty: the servlet API shows no pseudo-header.
     *
     * @return 0 when the handshake request is well formed, else the HTTP status to answer with
     */
    static int check(HttpServletRequest request)
    {
        boolean connect = "CONNECT".equals(request.getMethod());
        // HTTP/1.1 upgrades with GET (RFC 6455), HTTP/2 with an extended CONNECT (RFC 8441); nothing else does.
        if (!(connect ? "HTTP/2.0" : "HTTP/1.1").equalsIgnoreCase(request.getProtocol()))
            return 400;
        if (!"13".equals(request.getHeader("Sec-WebSocket-Version")))
            return 426;
        if (connect)
            return 0;
        String upgrade = only(request.getHeaders("Upgrade"));
        if (upgrade == null || !"websocket".equalsIgnoreCase(upgrade.trim()))
            return 400;
        if (!hasToken(request, "Connection", "upgrade"))
            return 400;
        String key = only(request.getHeaders("Sec-WebSocket-Key"));
        if (key == null)
            return 400;
        try
        {
            if (Base64.getDecoder().decode(key.trim()).length != 16)
                return 400;
        }
        catch (IllegalArgumentException x)
        {
            return 400;
        }
        return 0;
    }

    /** The one value of a header, or null when it has none or several. */
    private static String only(Enumeration<String> values)
    {
        if (values == null || !values.hasMoreElements())
            return null;
        String value = values.nextElement();
        return values.hasMoreElements() ? null : value;
    }

    /** The subprotocols the client offers, in its order of preference. */
    static List<String> subProtocols(HttpServletRequest request)
    {
        Enumeration<String> values = request.getHeaders("Sec-WebSocket-Protocol");
        if (values == null || !values.hasMoreElements())
            return List.of();
        List<String> protocols = new ArrayList<>(2);
        while (values.hasMoreElements())
        {
            for (String part : values.nextElement().split(","))
            {
                String protocol = part.trim();
                if (!protocol.isEmpty())
                    protocols.add(protocol);
            }
        }
        return protocols;
    }

    /** Whether a comma-separated value of {@code header} is {@code token} (lower case, ASCII), in any letter case. */
    private static boolean hasToken(HttpServletRequest request, String header, String token)
    {
        Enumeration<String> values = request.getHeaders(header);
        while (values != null && values.hasMoreElements())
        {
            String value = values.nextElement();
            int start = 0;
            while (start <= value.length())
            {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                int from = start;
                int to = end;
                // As trim() would, then the same comparison as toLowerCase(Locale.ROOT).equals(token), allocating only
                // for a likely match (no letter of the tokens lower-cases from a string of another length).
                while (from < to && value.charAt(from) <= ' ')
                    from++;
                while (to > from && value.charAt(to - 1) <= ' ')
                    to--;
                if (to - from == token.length() && value.regionMatches(true, from, token, 0, token.length()) &&
                    value.substring(from, to).toLowerCase(Locale.ROOT).equals(token))
                    return true;
                if (comma < 0)
                    break;
                start = comma + 1;
            }
        }
        return false;
    }
}
