package org.wsproxy.websocket;

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
 * What a client learns when the backend's WebSocket handshake fails: the status and a short generic text,
 * never an exception class, a message or the backend's address (issue 7, item 10); the cause is logged.
 */
public class HandshakeErrorBodiesTest
{
    private final Started started = new Started();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private static RawHttp.Response upgrade(ProxyServer proxy, String path) throws Exception
    {
        return RawHttp.exchange(proxy.port(), "GET " + path + " HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13");
    }

    private static void assertGeneric(RawHttp.Response response, int status, String text, String backend)
    {
        System.out.printf("upgrade %d body: %s%n", status, response.body().strip());
        assertEquals(status, response.status(), response.toString());
        String body = response.body();
        for (String internal : List.of("Exception", "java.", "org.eclipse", "jetty", "Unexpected", backend))
            assertFalse(body.contains(internal), "'" + internal + "' in " + body);
        assertTrue(body.contains(text), body);
        assertTrue(body.length() < 300, body);
    }

    @Test
    public void unreachableBackendGives502WithAGenericBody() throws Exception
    {
        String dead = WebSocketHandshakeTest.deadBackendUrl();
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", dead));
        try (LogCapture log = new LogCapture())
        {
            assertGeneric(upgrade(proxy, "/ws/echo"), 502, "Bad Gateway", dead.substring("http://".length()));
            assertTrue(log.lines(dead.substring("http://".length())).stream().anyMatch(l -> l.contains("ConnectException")), "the cause is logged");
        }
    }

    @Test
    public void slowBackendGives504WithAGenericBody() throws Exception
    {
        TestBackend slow = started.backend("slow");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", slow.url()).param("wsproxy.connectTimeout", "500ms"));
        assertGeneric(upgrade(proxy, "/ws/slow?ms=3000"), 504, "Gateway Timeout", slow.url().substring("http://".length()));
    }

    @Test
    public void backendRefusalGivesItsStatusWithAGenericBody() throws Exception
    {
        TestBackend backend = started.backend("b");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()));
        assertGeneric(upgrade(proxy, "/ws/reject"), 403, "Forbidden", backend.url().substring("http://".length()));
    }
}
