package org.wsproxy.upstream;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.config.Params;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Slow start through the real webapp: a backend added at run time (as the pools file or the admin endpoint add
 * one) with {@code slowStart=1h} gets almost none of the next sessions, where without slow start it gets half.
 * The ramp's shape is shown on a made-up clock by {@link SlowStartTest}; an hour keeps this one far from its end
 * on any machine.
 */
public class SlowStartThroughTheProxyTest
{
    private final Started started = new Started();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private Map<String, Integer> open(WebSocketClient client, ProxyServer proxy, int n) throws Exception
    {
        Map<String, Integer> served = new HashMap<>();
        List<Session> sessions = new ArrayList<>();
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            Recorder recorder = new Recorder();
            Session session = client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
            served.merge(session.getUpgradeResponse().getHeader("X-Backend"), 1, Integer::sum);
            sessions.add(session);
            recorders.add(recorder);
        }
        for (int i = 0; i < n; i++)
        {
            sessions.get(i).close();
            recorders.get(i).awaitClose();
        }
        return served;
    }

    private Map<String, Integer> afterAddingB2(String slowStart) throws Exception
    {
        TestBackend b1 = started.backend("b1");
        TestBackend b2 = started.backend("b2");
        ProxyServer proxy = started.proxy(new ProxyServer()
            .pool("chat", b1.url())
            .param("wsproxy.pool.chat.slowStart", slowStart)
            .poolRoute("ws", "/ws/", "chat"));
        WebSocketClient client = started.webSocketClient();
        assertEquals(Map.of("b1", 4), open(client, proxy, 4));
        proxy.pools().get("chat").update(Params.backends("test", b1.url() + ", " + b2.url()));
        return open(client, proxy, 20);
    }

    @Test
    public void aBackendAddedAtRunTimeGetsAlmostNoneOfTheNextSessions() throws Exception
    {
        // b2 weighs well under 1/40 of b1 for the first 90 s: smooth round-robin gives it none of 20.
        assertEquals(Map.of("b1", 20), afterAddingB2("1h"));
    }

    @Test
    public void withoutSlowStartItGetsHalfAtOnce() throws Exception
    {
        assertEquals(Map.of("b1", 10, "b2", 10), afterAddingB2("0s"));
    }
}
