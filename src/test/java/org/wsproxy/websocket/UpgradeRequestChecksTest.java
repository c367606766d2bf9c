package org.wsproxy.websocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upgrades that Jetty's own handshake (websocket-core's RFC6455Handshaker and RFC8441Handshaker) would refuse
 * are refused before a backend is contacted: no backend WebSocket is opened only to be closed again.
 */
public class UpgradeRequestChecksTest
{
    private static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

    private final Started started = new Started();
    private TestBackend backend;
    private ProxyServer proxy;

    @BeforeEach
    public void start() throws Exception
    {
        backend = started.backend("b");
        proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()));
    }

    @AfterEach
    public void stop() throws Exception
    {
        started.stopAll();
    }

    /** Each request head, lines separated by '|', is a WebSocket upgrade in every respect but one. */
    @ParameterizedTest
    @ValueSource(strings = {
        // Jetty upgrades HTTP/1.1 only (RFC6455Handshaker: version != 1.1).
        "GET /ws/echo HTTP/1.0|Host: p|Upgrade: websocket|Connection: Upgrade|Sec-WebSocket-Version: 13|" + KEY,
        // Jetty takes the Upgrade header's whole value, which must be "websocket"; not a list, not two headers.
        "GET /ws/echo HTTP/1.1|Host: p|Upgrade: websocket, h2c|Connection: Upgrade|Sec-WebSocket-Version: 13|" + KEY,
        "GET /ws/echo HTTP/1.1|Host: p|Upgrade: websocket|Upgrade: h2c|Connection: Upgrade|Sec-WebSocket-Version: 13|" + KEY,
        // A CONNECT upgrades only over HTTP/2 (RFC 8441); over HTTP/1.1 neither handshaker takes it.
        "CONNECT /ws/echo HTTP/1.1|Host: p|Sec-WebSocket-Version: 13",
        // Two keys: Jetty would answer the last one, which is not a 16-byte nonce (RFC 6455 11.3.1: at most one).
        "GET /ws/echo HTTP/1.1|Host: p|Upgrade: websocket|Connection: Upgrade|Sec-WebSocket-Version: 13|" + KEY + "|Sec-WebSocket-Key: short",
    })
    public void upgradeJettyWouldRefuseGets400WithoutContactingTheBackend(String head) throws Exception
    {
        RawHttp.Response response = RawHttp.exchange(proxy.port(), head.split("\\|"));
        assertEquals(400, response.status(), response.body());
        assertEquals(0, backend.connections.get(), "the backend was contacted");
        assertTrue(backend.handshakes.isEmpty(), "the backend saw a handshake: " + backend.handshakes);
    }

    /** The checks refuse nothing Jetty accepts: the Upgrade value and the Connection token in any case. */
    @Test
    public void validUpgradeInAnyLetterCaseIsRelayed() throws Exception
    {
        RawHttp.Response response = RawHttp.exchange(proxy.port(),
            "GET /ws/echo HTTP/1.1", "Host: p", "Upgrade: WebSocket", "Connection: keep-alive, UPGRADE", "Sec-WebSocket-Version: 13", KEY);
        assertEquals(101, response.status(), response.body());
        assertEquals("b", response.header("X-Backend"));
        assertEquals(1, backend.handshakes.size());
    }
}
