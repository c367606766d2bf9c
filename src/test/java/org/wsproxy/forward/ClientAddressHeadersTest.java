package org.wsproxy.forward;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The headers a backend may take as the client's address, on the WebSocket and the HTTP path: X-Real-IP is the
 * client address by the trusted-proxy rule, whatever the client sent; X-Client-IP, True-Client-IP and the
 * like pass only from a trusted proxy.
 */
public class ClientAddressHeadersTest
{
    private static final String[] SPOOFED = {"X-Real-IP: 6.6.6.6", "X-Client-IP: 6.6.6.6", "True-Client-IP: 6.6.6.6", "CF-Connecting-IP: 6.6.6.6"};

    private final Started started = new Started();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private static String[] head(String first, int port, boolean upgrade, String... extra)
    {
        List<String> head = new java.util.ArrayList<>(List.of(first, "Host: 127.0.0.1:" + port));
        if (upgrade)
            head.addAll(List.of("Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"));
        else
            head.add("Connection: close");
        head.addAll(List.of(extra));
        return head.toArray(String[]::new);
    }

    @Test
    public void anUntrustedClientCannotNameItself() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()));

        assertEquals(101, RawHttp.exchange(proxy.port(), head("GET /ws/echo HTTP/1.1", proxy.port(), true, SPOOFED)).status());
        Map<String, List<String>> handshake = backend.handshakes.poll(10, TimeUnit.SECONDS);
        assertNotNull(handshake);
        assertEquals(List.of("127.0.0.1"), handshake.get("X-Real-IP"));
        assertNull(handshake.get("X-Client-IP"));
        assertNull(handshake.get("True-Client-IP"));
        assertNull(handshake.get("CF-Connecting-IP"));

        RawHttp.Response http = RawHttp.exchange(proxy.port(), head("GET /http/echo HTTP/1.1", proxy.port(), false, SPOOFED));
        assertEquals(200, http.status());
        assertTrue(http.body().contains("X-Real-IP: 127.0.0.1\n"), http.body());
        assertFalse(http.body().contains("6.6.6.6"), http.body());
    }

    @Test
    public void aTrustedProxyNamesTheClient() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()).param("wsproxy.trustedProxies", "127.0.0.1")
            .param("wsproxy.clientIpHeaders", "X-Client-IP"));
        String[] fromBalancer = {"X-Forwarded-For: 203.0.113.9", "X-Real-IP: 6.6.6.6", "X-Client-IP: 203.0.113.9", "True-Client-IP: 203.0.113.9"};

        assertEquals(101, RawHttp.exchange(proxy.port(), head("GET /ws/echo HTTP/1.1", proxy.port(), true, fromBalancer)).status());
        Map<String, List<String>> handshake = backend.handshakes.poll(10, TimeUnit.SECONDS);
        assertNotNull(handshake);
        assertEquals(List.of("203.0.113.9"), handshake.get("X-Real-IP"));
        assertEquals(List.of("203.0.113.9"), handshake.get("X-Client-IP"));
        // Not in this proxy's clientIpHeaders: passed like any header.
        assertEquals(List.of("203.0.113.9"), handshake.get("True-Client-IP"));

        RawHttp.Response http = RawHttp.exchange(proxy.port(), head("GET /http/echo HTTP/1.1", proxy.port(), false, fromBalancer));
        assertTrue(http.body().contains("X-Real-IP: 203.0.113.9\n"), http.body());
        assertTrue(http.body().contains("X-Client-IP: 203.0.113.9\n"), http.body());
        assertFalse(http.body().contains("6.6.6.6"), http.body());
    }
}
