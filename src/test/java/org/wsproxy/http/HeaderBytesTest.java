package org.wsproxy.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttpBackend;
import org.wsproxy.testing.Started;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * End-to-end header values cross the HTTP path byte for byte, both ways: what a backend sends reaches the
 * client unchanged (spaces after ';' and ',', quotes, empty values, duplicates and their order), and what the
 * client sends reaches the backend unchanged. Raw sockets at both ends, so nothing in between parses the heads
 * but the proxy. Only hop-by-hop headers and the ones the proxy owns (Date, Server, Via, X-Forwarded-*,
 * Forwarded, X-Real-IP, Host, Content-Length, Connection) are left out of the comparison.
 */
public class HeaderBytesTest
{
    private static final int WAIT_MS = 20_000;
    /** Headers a hop sets for itself: not end-to-end, so not compared. */
    private static final Set<String> PER_HOP = Set.of("date", "server", "via", "connection", "keep-alive", "transfer-encoding",
        "content-length", "host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded", "x-real-ip");

    private final Started started = new Started();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private RawHttpBackend rawBackend() throws Exception
    {
        RawHttpBackend backend = new RawHttpBackend().start();
        started.push(backend::stop);
        return backend;
    }

    @Test
    public void responseHeaderValuesReachTheClientByteForByte() throws Exception
    {
        RawHttpBackend backend = rawBackend();
        List<String> sent = List.of(
            "X-Custom-One: value one; with=params",
            "Content-Type: application/vnd.example+json; profile=\"a b\"",
            "X-Dup: a",
            "Cache-Control: no-cache,  no-store",
            "X-Dup: b,  c",
            "Set-Cookie: a=1; Path=/; HttpOnly",
            "Set-Cookie: b=\"two words\"; Max-Age=60",
            "Link: </style.css>; rel=preload; as=style",
            "X-Quoted: \"a;b\" ; q=1",
            "X-Empty: ",
            "x-lower-case: Mixed Value");
        List<String> lines = new ArrayList<>(List.of("HTTP/1.1 200 OK"));
        lines.addAll(sent);
        // A header the backend names in Connection belongs to its hop (RFC 9110 7.6.1), like Keep-Alive.
        lines.addAll(List.of("Connection: keep-alive, X-Backend-Hop", "X-Backend-Hop: 1", "Keep-Alive: timeout=5", "Content-Length: 3", "", "ok\n"));
        backend.response = RawHttpBackend.raw(lines.toArray(String[]::new));
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()));

        String head = exchange(proxy.port(), "GET /headers HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        System.out.println("response head through the proxy:\n" + head.strip());
        assertEquals(sent, endToEnd(head));
    }

    @Test
    public void wellKnownContentTypeKeepsItsMeaningInTheContainersSpelling() throws Exception
    {
        // The one exception, below the proxy: Jetty's servlet response spells the Content-Type of the types it
        // knows (text/html with a charset, ...) its own way. Parameter names and charset values are
        // case-insensitive and white space around ';' is optional (RFC 9110 5.6.6, 8.3.1), so the meaning is kept.
        RawHttpBackend backend = rawBackend();
        backend.response = RawHttpBackend.raw("HTTP/1.1 200 OK", "Content-Type: text/html; charset=UTF-8", "Content-Length: 3", "", "ok\n");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()));
        String head = exchange(proxy.port(), "GET /headers HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        List<String> contentType = endToEnd(head);
        System.out.println("backend's Content-Type: text/html; charset=UTF-8, client's: " + contentType);
        assertEquals(List.of("content-type: text/html;charset=utf-8"),
            contentType.stream().map(line -> line.toLowerCase(Locale.ROOT).replace("; ", ";")).toList());
    }

    @Test
    public void requestHeaderValuesReachTheBackendByteForByte() throws Exception
    {
        RawHttpBackend backend = rawBackend();
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()));
        List<String> sent = List.of(
            "X-Custom-One: value one; with=params",
            "Accept: text/html;q=0.9,  */*;q=0.1",
            "Content-Type: text/plain; charset=utf-8",
            "X-Dup: a",
            "X-Dup: b,  c",
            "Cookie: a=1; b=\"two words\"",
            "Cache-Control: no-cache,  no-store",
            "X-Quoted: \"a;b\" ; q=1",
            "X-Empty: ",
            "x-lower-case: Mixed Value");
        StringBuilder request = new StringBuilder("POST /headers HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        sent.forEach(line -> request.append(line).append("\r\n"));
        request.append("Content-Length: 2\r\nConnection: close\r\n\r\nhi");

        String responseHead = exchange(proxy.port(), request.toString());
        assertEquals("HTTP/1.1 200 OK", responseHead.lines().findFirst().orElse(""));
        String head = backend.heads.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(head, "the backend got no request");
        System.out.println("request head at the backend:\n" + head.strip());
        assertEquals(sent, endToEnd(head));
    }

    /** The head's header lines, as received, without the per-hop ones. */
    private static List<String> endToEnd(String head)
    {
        List<String> lines = new ArrayList<>();
        for (String line : head.split("\r\n", -1))
        {
            int colon = line.indexOf(':');
            if (colon <= 0 || line.startsWith("HTTP/") || line.contains(" HTTP/1."))
                continue;
            if (!PER_HOP.contains(line.substring(0, colon).toLowerCase(Locale.ROOT)))
                lines.add(line);
        }
        return lines;
    }

    /** Sends {@code request} on a new connection and returns the response head as received, bytes as ISO-8859-1. */
    private static String exchange(int port, String request) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), WAIT_MS);
            socket.setSoTimeout(WAIT_MS);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            for (int last4 = 0; last4 != 0x0D0A0D0A; )
            {
                int b = in.read();
                if (b < 0)
                    throw new IOException("closed within the response head: " + head.toString(StandardCharsets.ISO_8859_1));
                head.write(b);
                last4 = (last4 << 8) | b;
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
