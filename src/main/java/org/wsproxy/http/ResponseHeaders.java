package org.wsproxy.http;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;

/**
 * Which backend response headers reach the client, and how: every end-to-end header with its value as the
 * backend sent it, in the backend's order, duplicates kept; the hop-by-hop ones (RFC 9110 7.6.1) and those the
 * backend's {@code Connection} names stay on the backend hop.
 * <p>
 * Jetty's {@code AbstractProxyServlet.onServerResponseHeaders} (12.1) passes each value through
 * {@code HttpField.getValueList()} and joins the pieces with ", ": it parses every header as a quoted
 * comma list, so {@code value one; with=params} reached the client as {@code value one;with=params} and
 * {@code b="two words"} in a Set-Cookie lost its quotes. This copies {@link HttpField#getValue()} instead.
 */
final class ResponseHeaders
{
    /** Jetty's own list (AbstractProxyServlet.HOP_HEADERS), written out so that it is ours to read. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authorization", "proxy-authenticate",
        "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade");

    private ResponseHeaders()
    {
    }

    /**
     * The first field of each name replaces what the proxy's server set already (Date, Server), the following
     * ones are added after it, so the client sees the backend's fields in the backend's order.
     */
    static void copy(Response serverResponse, HttpServletResponse response)
    {
        Set<String> named = connectionTokens(serverResponse);
        Set<String> seen = new HashSet<>();
        for (HttpField field : serverResponse.getHeaders())
        {
            String name = field.getName();
            String lower = name.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower) || named.contains(lower))
                continue;
            String value = field.getValue();
            if (seen.add(lower))
                response.setHeader(name, value);
            else
                response.addHeader(name, value);
        }
    }

    private static Set<String> connectionTokens(Response serverResponse)
    {
        Set<String> tokens = new HashSet<>();
        for (String value : serverResponse.getHeaders().getValuesList("Connection"))
        {
            for (String token : value.split(","))
                tokens.add(token.trim().toLowerCase(Locale.ROOT));
        }
        return tokens;
    }
}
