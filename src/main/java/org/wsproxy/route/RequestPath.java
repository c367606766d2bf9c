package org.wsproxy.route;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The one path a request is routed on, on both the WebSocket and the HTTP side: the path within the context
 * that the servlet container mapped the request with (decoded, dot segments resolved, path parameters
 * removed), so that routes, the servlet mapping (the admin path) and the backend all see one path, and
 * {@code /ws/../index.html} cannot reach the {@code /ws/} route, nor {@code /x/../ws/echo} escape it.
 * nginx routes on the normalised path the same way.
 * <p>
 * With Jetty's default URI compliance the container's path is already normalised: Jetty refuses with 400,
 * before the webapp sees them, a path climbing above the root ({@code /../x}) and the ambiguous encodings
 * ({@code %2e%2e}, {@code %2F}, {@code %25}, empty segments). A server configured to let those through
 * (and to decode them) can hand over a decoded path with dot segments left in it: they are resolved here,
 * and one climbing above the root makes the request unroutable.
 */
public final class RequestPath
{
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RequestPath()
    {
    }

    /**
     * @return the decoded, normalised path within the context, or null when it cannot be normalised (a
     * {@code ..} climbs above the root), which the HTTP servlet answers with 400
     */
    public static String of(HttpServletRequest request)
    {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        return normalise((servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo));
    }

    /**
     * RFC 3986's remove_dot_segments on a decoded path: {@code .} segments go, {@code ..} removes the
     * segment before it; a trailing {@code .} or {@code ..} leaves a trailing slash, as in Jetty's canonical
     * path. Empty segments are kept.
     *
     * @return the path without dot segments, or null when a {@code ..} would climb above the root (or the
     * path with dot segments is not absolute)
     */
    static String normalise(String path)
    {
        if (!hasDotSegment(path))
            return path;
        if (!path.startsWith("/"))
            return null;
        String[] segments = path.split("/", -1);
        Deque<String> kept = new ArrayDeque<>(segments.length);
        for (int i = 1; i < segments.length; i++)
        {
            boolean last = i == segments.length - 1;
            String segment = segments[i];
            if (segment.equals(".."))
            {
                if (kept.pollLast() == null)
                    return null;
            }
            else if (!segment.equals("."))
            {
                kept.addLast(segment);
                continue;
            }
            if (last)
                kept.addLast("");
        }
        return "/" + String.join("/", kept);
    }

    private static boolean hasDotSegment(String path)
    {
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1))
        {
            boolean segmentStart = dot == 0 || path.charAt(dot - 1) == '/';
            int after = dot + 1 < path.length() && path.charAt(dot + 1) == '.' ? dot + 2 : dot + 1;
            if (segmentStart && (after == path.length() || path.charAt(after) == '/'))
                return true;
        }
        return false;
    }

    /**
     * Percent-encodes a decoded path for a URI, so that the backend decodes it back to the same path: every
     * byte of its UTF-8 form but {@code /}, the unreserved characters and those sub-delimiters and
     * {@code :}/{@code @} that RFC 3986 allows in a segment as they are. {@code ;} is encoded too although
     * RFC 3986 allows it, since servlet containers read it as the start of a path parameter; {@code %},
     * {@code ?} and {@code #} are encoded so that they neither decode again nor end the path.
     */
    public static String encode(String path)
    {
        StringBuilder out = null;
        for (int i = 0; i < path.length(); i++)
        {
            if (!asIs(path.charAt(i)))
            {
                out = new StringBuilder(path.length() + 16).append(path, 0, i);
                for (byte b : path.substring(i).getBytes(StandardCharsets.UTF_8))
                {
                    if (b >= 0 && asIs((char)b))
                        out.append((char)b);
                    else
                        out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
                }
                break;
            }
        }
        return out == null ? path : out.toString();
    }

    private static boolean asIs(char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "/-._~!$&'()*+,=:@".indexOf(c) >= 0;
    }
}
