package org.wsproxy.host;

import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.thread.Invocable;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The version found once, and the one branch on it. The 12.0 branch only leaves Jetty's default alone, so it is
 * run here on 12.1's transport; the WAR on a real 12.0 is e2e/HostsIT's.
 */
public class JettyApiTest
{
    @Test
    public void theHostIsThisClasspathsJetty()
    {
        assertEquals(Jetty.VERSION, JettyApi.HOST.version());
        assertTrue(JettyApi.HOST.version().startsWith("12.1."), JettyApi.HOST::version);
        assertTrue(JettyApi.HOST.transportInvocationType());
    }

    @Test
    public void jetty120TransportsAreLeftAlone() throws Exception
    {
        assertFalse(JettyApi.of("12.0.30").transportInvocationType());
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP();
        Invocable.InvocationType before = transport.getInvocationType();
        JettyApi.of("12.0.30").nonBlocking(transport);
        assertEquals(before, transport.getInvocationType());
        JettyApi.of("12.1.12").nonBlocking(transport);
        assertEquals(Invocable.InvocationType.NON_BLOCKING, transport.getInvocationType());
    }
}
