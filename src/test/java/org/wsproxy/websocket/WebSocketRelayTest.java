package org.wsproxy.websocket;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;

public class WebSocketRelayTest
{
    private TestBackend backend;
    private ProxyServer proxy;
    private WebSocketClient client;

    @BeforeEach
    public void start() throws Exception
    {
        backend = new TestBackend("b1").start();
        proxy = new ProxyServer().route("main", "/", backend.url()).start();
        client = new WebSocketClient();
        client.start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        client.stop();
        proxy.stop();
        backend.stop();
    }

    @Test
    public void textEchoAndCloseCodePassBothWays() throws Exception
    {
        Recorder recorder = new Recorder();
        Session session = client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
        session.sendText("hello", Callback.NOOP);
        assertEquals("hello", recorder.nextText());
        session.close(4001, "bye", Callback.NOOP);
        assertEquals("4001 bye", recorder.awaitClose());
        assertEquals("4001 bye", backend.closes.poll(10, TimeUnit.SECONDS));
    }
}
