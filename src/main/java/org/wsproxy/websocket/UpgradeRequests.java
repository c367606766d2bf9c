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

    /** @return 0 when the handshake request is well formed, else the HTTP status to answer with */
    static int check(HttpServletRequest request)
    {
        if (!"13".equals(request.getHeader("Sec-WebSocket-Version")))
            return 426;
        if ("CONNECT".equals(request.getMethod()))
            return 0;
        if (!hasToken(request, "Connection", "upgrade"))
            return 400;
        String key = request.getHeader("Sec-WebSocket-Key");
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
