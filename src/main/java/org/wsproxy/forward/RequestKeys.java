package org.wsproxy.forward;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import org.wsproxy.upstream.RequestKey;

/**
 * The servlet request as the facts a pool's selection may hash on, the same for the WebSocket and the
 * HTTP path. Query parameters are read from the raw query string only: asking the servlet API would read
 * a form body that the HTTP proxy must stream to the backend untouched.
 */
public final class RequestKeys
{
    private RequestKeys()
    {
    }

    /**
     * @param forwarding decides which address is the client's when the peer is a trusted proxy
     */
    public static RequestKey of(HttpServletRequest request, ForwardingPolicy forwarding)
    {
        return new RequestKey()
        {
            @Override
            public String clientAddress()
            {
                return forwarding.clientAddress(request);
            }

            @Override
            public String header(String name)
            {
                return request.getHeader(name);
            }

            @Override
            public String cookie(String name)
            {
                Cookie[] cookies = request.getCookies();
                if (cookies == null)
                    return null;
                for (Cookie cookie : cookies)
                {
                    if (cookie.getName().equals(name))
                        return cookie.getValue();
                }
                return null;
            }

            @Override
            public String queryParameter(String name)
            {
                return RequestKeys.queryParameter(request.getQueryString(), name);
            }
        };
    }

    /** The first value of {@code name} in a raw query string, decoded; null when absent or undecodable. */
    static String queryParameter(String query, String name)
    {
        if (query == null)
            return null;
        for (String pair : query.split("&"))
        {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            try
            {
                if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name))
                    return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
            catch (IllegalArgumentException x)
            {
                // A malformed escape: not a usable key, as if absent.
            }
        }
        return null;
    }
}
