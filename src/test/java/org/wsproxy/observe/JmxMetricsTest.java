package org.wsproxy.observe;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With Jetty's jmx module on the server (its MBeanContainer), the same figures are MBeans in the "wsproxy" domain,
 * even with the observe endpoints off; without it, and without those endpoints, no metric is kept at all.
 */
public class JmxMetricsTest
{
    private final Started started = new Started();
    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private ObjectName find(String namePart) throws Exception
    {
        Set<ObjectName> names = mbeans.queryNames(new ObjectName("wsproxy:*"), null);
        ObjectName found = null;
        for (ObjectName name : names)
        {
            if (name.toString().contains(namePart))
            {
                if (found != null)
                    throw new AssertionError("two MBeans with " + namePart + ": " + found + ", " + name);
                found = name;
            }
        }
        if (found == null)
            throw new AssertionError("no MBean with " + namePart + " among " + names);
        return found;
    }

    @Test
    public void sessionsAreMBeansWhenTheServerHasJmx() throws Exception
    {
        TestBackend b1 = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("ws", "/", b1.url()).jmx());
        Recorder recorder = new Recorder();
        Session session = started.webSocketClient().connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
        session.sendText("hello", org.eclipse.jetty.websocket.api.Callback.NOOP);
        assertEquals("hello", recorder.nextText());
        ObjectName opened = find("wsproxyWebsocketSessionsOpened.route.ws");
        assertEquals(1L, ((Number)mbeans.getAttribute(opened, "Count")).longValue());
        ObjectName live = find("wsproxyWebsocketSessionsLive.route.ws");
        assertEquals(1.0, ((Number)mbeans.getAttribute(live, "Value")).doubleValue());
        session.close();
        recorder.awaitClose();
        proxy.stop();
        assertTrue(mbeans.queryNames(new ObjectName("wsproxy:*"), null).isEmpty(), "MBeans left after the proxy stopped");
    }

    @Test
    public void noMetricsWithoutJmxOrTheObserveEndpoints() throws Exception
    {
        TestBackend b1 = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("ws", "/", b1.url()));
        org.wsproxy.boot.ProxyRuntime runtime = (org.wsproxy.boot.ProxyRuntime)proxy.context().getServletContext()
            .getAttribute(org.wsproxy.boot.ProxyRuntime.class.getName());
        assertEquals(null, runtime.metrics());
        assertTrue(mbeans.queryNames(new ObjectName("wsproxy:*"), null).isEmpty());
    }
}
