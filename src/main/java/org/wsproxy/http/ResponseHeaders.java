package org.wsproxy.http;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

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
    /**
     * Jetty's own list (AbstractProxyServlet.HOP_HEADERS), written out so that it is ours to read, as Jetty's header
     * constants: a field whose name Jetty recognised is looked up without a lower-case copy.
     */
    private static final Set<HttpHeader> HOP_BY_HOP_HEADERS = EnumSet.of(HttpHeader.CONNECTION, HttpHeader.KEEP_ALIVE,
        HttpHeader.PROXY_AUTHORIZATION, HttpHeader.PROXY_AUTHENTICATE, HttpHeader.PROXY_CONNECTION, HttpHeader.TRANSFER_ENCODING,
        HttpHeader.TE, HttpHeader.TRAILER, HttpHeader.UPGRADE);
    /** The same names in lower case, for a field whose name Jetty did not recognise. */
    private static final Set<String> HOP_BY_HOP = HOP_BY_HOP_HEADERS.stream().map(HttpHeader::lowerCaseName)
        .collect(Collectors.toUnmodifiableSet());

    private ResponseHeaders()
    {
    }

    /**
     * The first field of each name replaces what the proxy's server set already (Date, Server), the following
     * ones are added after it, so the client sees the backend's fields in the backend's order. Per request: the
     * names are compared without lower-casing copies of them, and the backend's Connection tokens are read only
     * when it sent a Connection header (an HTTP/1.1 backend keeping its connection open sends none).
     */
    static void copy(Response serverResponse, HttpServletResponse response)
    {
        HttpFields fields = serverResponse.getHeaders();
        Set<String> named = fields.contains(HttpHeader.CONNECTION) ? connectionTokens(serverResponse) : Set.of();
        List<String> seen = new ArrayList<>(fields.size());
        for (HttpField field : fields)
        {
            String name = field.getName();
            if (isHopByHop(field) || !named.isEmpty() && named.contains(name.toLowerCase(Locale.ROOT)))
                continue;
            String value = field.getValue();
            if (isFirst(seen, name))
                response.setHeader(name, value);
            else
                response.addHeader(name, value);
        }
    }

    private static boolean isHopByHop(HttpField field)
    {
        HttpHeader header = field.getHeader();
        if (header != null)
            return HOP_BY_HOP_HEADERS.contains(header);
        // A name Jetty does not know may still be one of them in an unusual spelling ("Keep-alive" is known, "KEEP-ALIVE"
        // is not): the lower-case copy is made only for such names.
        return HOP_BY_HOP.contains(field.getLowerCaseName());
    }

    /** Records {@code name}; true when no field of that name (in any case) came before it. A response has few fields. */
    private static boolean isFirst(List<String> seen, String name)
    {
        for (int i = 0; i < seen.size(); i++)
        {
            if (seen.get(i).equalsIgnoreCase(name))
                return false;
        }
        seen.add(name);
        return true;
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
