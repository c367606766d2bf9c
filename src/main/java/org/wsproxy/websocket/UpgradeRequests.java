package org.wsproxy.websocket;

import java.util.Base64;
import java.util.Collections;
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
        List<String> upgrade = Collections.list(request.getHeaders("Upgrade"));
        if (upgrade.size() != 1 || !"websocket".equalsIgnoreCase(upgrade.get(0).trim()))
            return 400;
        if (!hasToken(request, "Connection", "upgrade"))
            return 400;
        List<String> keys = Collections.list(request.getHeaders("Sec-WebSocket-Key"));
        if (keys.size() != 1)
            return 400;
        try
        {
            if (Base64.getDecoder().decode(keys.get(0).trim()).length != 16)
                return 400;
        }
        catch (IllegalArgumentException x)
        {
            return 400;
        }
        return 0;
    }

    /** The subprotocols the client offers, in its order of preference. */
    static List<String> subProtocols(HttpServletRequest request)
    {
        return Collections.list(request.getHeaders("Sec-WebSocket-Protocol")).stream()
            .flatMap(value -> List.of(value.split(",")).stream())
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    }

    private static boolean hasToken(HttpServletRequest request, String header, String token)
    {
        for (String value : Collections.list(request.getHeaders(header)))
        {
            for (String part : value.split(","))
            {
                if (part.trim().toLowerCase(Locale.ROOT).equals(token))
                    return true;
            }
        }
        return false;
    }
}
