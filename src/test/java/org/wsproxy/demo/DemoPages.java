package org.wsproxy.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The demo's plain HTTP side: the page (a classpath resource, so it can be edited as HTML) and
 * {@code /api/time}, which reports the request headers that show what the proxy changed.
 * Anything else is left unhandled, so Jetty answers 404.
 */
class DemoPages extends Handler.Abstract.NonBlocking
{
    private final ByteBuffer page = loadPage();

    @Override
    public boolean handle(Request request, Response response, Callback callback)
    {
        String path = Request.getPathInContext(request);
        boolean isPage = path.equals("/") || path.equals("/index.html");
        if (!isPage && !path.equals("/api/time"))
            return false;
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod()))
        {
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
            return true;
        }
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        if (isPage)
        {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html;charset=utf-8");
            response.write(true, this.page.slice(), callback);
        }
        else
        {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(time(request).getBytes(StandardCharsets.UTF_8)), callback);
        }
        return true;
    }

    private static String time(Request request)
    {
        return "{\"time\":\"" + Instant.now() + "\"" +
            ",\"server\":\"wsproxy-demo-backend\"" +
            ",\"remoteAddr\":" + json(Request.getRemoteAddr(request)) +
            ",\"host\":" + json(request.getHeaders().get(HttpHeader.HOST)) +
            ",\"xForwardedFor\":" + json(request.getHeaders().get(HttpHeader.X_FORWARDED_FOR)) +
            ",\"xForwardedProto\":" + json(request.getHeaders().get(HttpHeader.X_FORWARDED_PROTO)) +
            ",\"xForwardedHost\":" + json(request.getHeaders().get(HttpHeader.X_FORWARDED_HOST)) +
            ",\"forwarded\":" + json(request.getHeaders().get(HttpHeader.FORWARDED)) +
            ",\"via\":" + json(request.getHeaders().get(HttpHeader.VIA)) +
            "}\n";
    }

    /** Just enough JSON string escaping for header values. */
    private static String json(String value)
    {
        if (value == null)
            return "null";
        StringBuilder json = new StringBuilder(value.length() + 2).append('"');
        for (char c : value.toCharArray())
        {
            if (c == '"' || c == '\\')
                json.append('\\').append(c);
            else if (c < 0x20)
                json.append(String.format("\\u%04x", (int)c));
            else
                json.append(c);
        }
        return json.append('"').toString();
    }

    private static ByteBuffer loadPage()
    {
        try (InputStream in = DemoPages.class.getResourceAsStream("index.html"))
        {
            if (in == null)
                throw new IllegalStateException("index.html missing next to " + DemoPages.class.getName());
            return ByteBuffer.wrap(in.readAllBytes()).asReadOnlyBuffer();
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }
}
