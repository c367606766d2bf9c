package org.wsproxy.boot;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A server without a needed jetty-home module fails the deployment with a line naming the module to add. */
public class MissingModuleTest
{
    @Test
    public void missingClassNamesTheModule()
    {
        IllegalStateException x = assertThrows(IllegalStateException.class,
            () -> ProxyContextListener.requireClass("org.eclipse.jetty.websocket.core.client.NoSuchClient", "ee10-websocket-jetty-client-webapp"));
        assertTrue(x.getMessage().contains("--add-modules=ee10-websocket-jetty-client-webapp"), x.getMessage());
    }

    @Test
    public void presentClassPasses()
    {
        ProxyContextListener.requireClass("org.eclipse.jetty.websocket.core.client.WebSocketCoreClient", "ee10-websocket-jetty-client-webapp");
    }

    @Test
    public void jmxDomainPerContext()
    {
        assertTrue(ProxyContextListener.jmxDomain("").equals("wsproxy"));
        assertTrue(ProxyContextListener.jmxDomain("/").equals("wsproxy"));
        assertTrue(ProxyContextListener.jmxDomain("/chat/v1").equals("wsproxy.chat.v1"), ProxyContextListener.jmxDomain("/chat/v1"));
    }
}
