package org.wsproxy.guard;

import java.util.ArrayList;
import java.util.List;

import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;

/** Raw requests to the proxy, for the exact status and headers of the edge's answers. */
final class Upgrades
{
    private Upgrades()
    {
    }

    /** A well-formed WebSocket upgrade of {@code path}, with {@code extra} header lines (a Host line among them replaces the proxy's). */
    static RawHttp.Response upgrade(ProxyServer proxy, String path, String... extra) throws Exception
    {
        List<String> head = new ArrayList<>(List.of("GET " + path + " HTTP/1.1", "Host: 127.0.0.1:" + proxy.port(), "Upgrade: websocket",
            "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"));
        head.addAll(List.of(extra));
        if (List.of(extra).stream().anyMatch(line -> line.startsWith("Host:")))
            head.remove(1);
        return RawHttp.exchange(proxy.port(), head.toArray(String[]::new));
    }

    /** A plain GET of {@code path}, with {@code extra} header lines, on a connection of its own. */
    static RawHttp.Response get(ProxyServer proxy, String path, String... extra) throws Exception
    {
        List<String> head = new ArrayList<>(List.of("GET " + path + " HTTP/1.1", "Host: 127.0.0.1:" + proxy.port(), "Connection: close"));
        head.addAll(List.of(extra));
        return RawHttp.exchange(proxy.port(), head.toArray(String[]::new));
    }

    static EdgeGuards guards(ProxyServer proxy)
    {
        return (EdgeGuards)proxy.context().getServletContext().getAttribute(EdgeGuards.class.getName());
    }
}
