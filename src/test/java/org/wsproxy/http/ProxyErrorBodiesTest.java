package org.wsproxy.http;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.LogCapture;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client learns from the HTTP proxy's own 502 and 504: a short generic text, no exception class,
 * message, backend address or stack; the cause goes to the log, with the backend.
 */
public class ProxyErrorBodiesTest
{
    private final Started started = new Started();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private static int deadPort() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private static RawHttp.Response get(ProxyServer proxy, String path) throws Exception
    {
        return RawHttp.exchange(proxy.port(), "GET " + path + " HTTP/1.1", "Host: 127.0.0.1", "Connection: close");
    }

    private static void assertGeneric(RawHttp.Response response, int status, String text, String backend)
    {
        System.out.printf("HTTP %d body (%d bytes, %s): %s%n", status, response.body().length(), response.header("Content-Type"), response.body().strip());
        assertEquals(status, response.status(), response.toString());
        String body = response.body();
        for (String internal : List.of("Exception", "java.", "org.eclipse", "jetty", "Caused", "\tat ", backend, "wsproxy-http", "SERVLET"))
            assertFalse(body.contains(internal), "'" + internal + "' in " + body);
        assertTrue(body.contains(text), body);
        assertTrue(body.length() < 300, body);
    }

    @Test
    public void unreachableBackendGives502WithAGenericBodyAndTheCauseInTheLog() throws Exception
    {
        int dead = deadPort();
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", "http://127.0.0.1:" + dead));
        try (LogCapture log = new LogCapture())
        {
            assertGeneric(get(proxy, "/http/echo"), 502, "Bad Gateway", "127.0.0.1:" + dead);
            assertTrue(log.lines("127.0.0.1:" + dead).stream().anyMatch(l -> l.contains("ConnectException")), "the cause is logged");
        }
    }

    @Test
    public void backendSlowerThanReadTimeoutGives504WithAGenericBodyAndTheCauseInTheLog() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()).param("wsproxy.readTimeout", "500ms"));
        try (LogCapture log = new LogCapture())
        {
            assertGeneric(get(proxy, "/http/slow?ms=3000"), 504, "Gateway Timeout", backend.url().substring("http://".length()));
            assertTrue(log.lines(backend.url()).stream().anyMatch(l -> l.contains("TimeoutException")), "the cause is logged");
        }
    }
}
