package org.wsproxy.websocket;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;

import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.CoreBackend;
import org.wsproxy.testing.CoreEndpoint;
import org.wsproxy.testing.ProxyServer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a finished backend handshake leaves behind: Jetty's HTTP client connection that carried the upgrade is
 * replaced by the relay's, and nothing may keep it. A request timeout set on the upgrade did keep it (its
 * connection-level timer stays scheduled until the deadline, and holds the connection with its parser and
 * buffers): at the default 5 s connectTimeout and 640 upgrades/s that was about 1.7 KiB more per WebSocket
 * in the benchmark's figure. Counted with the JVM's class histogram, which counts only live objects.
 */
public class HandshakeRetentionTest
{
    private static final int SESSIONS = 40;
    private static final String HTTP_CONNECTION = "org.eclipse.jetty.client.transport.internal.HttpConnectionOverHTTP";

    private CoreBackend backend;
    private ProxyServer proxy;
    private WebSocketCoreClient client;

    @BeforeEach
    public void start() throws Exception
    {
        client = new WebSocketCoreClient();
        client.start();
        backend = new CoreBackend().start();
        // A connect timeout far longer than the test: a timer kept until then would still hold its connection.
        proxy = new ProxyServer().route("main", "/", backend.url()).param("wsproxy.connectTimeout", "120s").start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        client.stop();
        proxy.stop();
        backend.stop();
    }

    @Test
    public void anUpgradedBackendConnectionIsNotKeptByItsHandshakeTimeout() throws Exception
    {
        long before = liveInstances(HTTP_CONNECTION);
        List<CoreEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++)
        {
            CoreEndpoint endpoint = new CoreEndpoint(false);
            client.connect(CoreClientUpgradeRequest.from(client, URI.create(proxy.wsUrl("/ws/echo")), endpoint)).get(10, TimeUnit.SECONDS);
            endpoints.add(endpoint);
        }
        for (int i = 0; i < SESSIONS; i++)
            assertTrue(backend.sessions.poll(5, TimeUnit.SECONDS) != null, "backend session " + i);
        long after = liveInstances(HTTP_CONNECTION);
        System.out.printf("%s live: %d before, %d with %d WebSockets open%n", HTTP_CONNECTION, before, after, SESSIONS);
        // Every one of them open, each had its own backend handshake; a few may be in Jetty's pools for other reasons.
        assertTrue(after - before < SESSIONS / 4, (after - before) + " HTTP client connections kept for " + SESSIONS + " WebSockets");
        for (CoreEndpoint endpoint : endpoints)
            endpoint.startClose(1000, "done");
    }

    /** Live instances of a class in this JVM (the histogram runs a full GC first), by name, over every class loader. */
    private static long liveInstances(String className) throws Exception
    {
        String histogram = (String)ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
            "gcClassHistogram", new Object[]{null}, new String[]{String[].class.getName()});
        long count = 0;
        for (String line : histogram.split("\n"))
        {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 4 && fields[3].equals(className))
                count += Long.parseLong(fields[1]);
        }
        return count;
    }
}
