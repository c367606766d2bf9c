package org.wsproxy.boot;

import java.util.Optional;
import java.util.Set;

import jakarta.servlet.ServletContext;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host check on what the hosts really report (server info and ServletContext class as seen in
 * Tomcat 10.1.48, jetty-home 12.0.30 and 12.1.12): one line saying what was found and what to use.
 * The deployments themselves are in e2e/UnsupportedHostIT (refused), e2e/HostsIT (served).
 */
public class HostCheckTest
{
    private static final String EE10_CONTEXT = "org.eclipse.jetty.ee10.servlet.ServletContextHandler$ServletContextApi";

    @Test
    public void jetty121WithEe10AndItsClassesIsAccepted() throws Exception
    {
        // The real thing: this test's classpath is a Jetty 12.1 ee10 server's.
        Server server = new Server();
        ServletContextHandler handler = new ServletContextHandler();
        server.setHandler(handler);
        ServletContext context = handler.getServletContext();
        Optional<String> refusal = HostCheck.refusal(context.getServerInfo(), context.getClass().getName(),
            context.getClass().getPackage().getImplementationVersion(), name -> loads(name));
        assertEquals(Optional.empty(), refusal);
    }

    @Test
    public void anUnknownHostIsRefusedByName()
    {
        String line = HostCheck.refusal("Undertow/2.3", "io.undertow.servlet.spec.ServletContextImpl", null, name -> false).orElseThrow();
        assertEquals("wsproxy: this WAR needs Jetty 12.0 or 12.1 with the ee10 or ee11 environment; found Undertow/2.3: " + HostCheck.REMEDY, line);
    }

    @Test
    public void tomcat101And11WithTheirWebSocketSupportAreAccepted()
    {
        assertEquals(Optional.empty(), HostCheck.tomcatRefusal("Apache Tomcat/10.1.48", true, name -> true));
        assertEquals(Optional.empty(), HostCheck.tomcatRefusal("Apache Tomcat/11.0.24", true, name -> true));
        // A server info the operator changed: the version is unknown, the other checks decide.
        assertEquals(Optional.empty(), HostCheck.tomcatRefusal("proxy", true, name -> true));
    }

    @Test
    public void anOlderTomcatIsRefusedWithItsVersion()
    {
        String line = HostCheck.tomcatRefusal("Apache Tomcat/10.0.27", true, name -> true).orElseThrow();
        assertTrue(line.startsWith(HostCheck.TOMCAT_WANTED + "; found Apache Tomcat/10.0.27 "), line);
        assertTrue(line.endsWith(HostCheck.TOMCAT_REMEDY), line);
        assertTrue(HostCheck.tomcatRefusal("Apache Tomcat/9.0.100", true, name -> true).isPresent());
    }

    @Test
    public void tomcatWithoutWebSocketOrTheBundledJettyIsRefused()
    {
        String noWebSocket = HostCheck.tomcatRefusal("Apache Tomcat/10.1.48", false, name -> true).orElseThrow();
        assertTrue(noWebSocket.contains("without its WebSocket support"), noWebSocket);
        String noJetty = HostCheck.tomcatRefusal("Apache Tomcat/10.1.48", true, name -> !name.startsWith("org.eclipse.jetty.websocket")).orElseThrow();
        assertTrue(noJetty.contains("the webapp cannot see org.eclipse.jetty.websocket.core.client.WebSocketCoreClient"), noJetty);
    }

    @Test
    public void onJettyAServerClassTheWebappDefinedItselfDoesNotCount() throws Exception
    {
        String name = "org.eclipse.jetty.websocket.core.client.WebSocketCoreClient";
        // A loader that defines the class itself, from its jar: as the webapp's loader does with the copy in WEB-INF/lib
        // when the server lacks the module (or hides its classes).
        java.net.URL jar = Class.forName(name).getProtectionDomain().getCodeSource().getLocation();
        try (java.net.URLClassLoader own = new java.net.URLClassLoader(new java.net.URL[]{jar}, ClassLoader.getPlatformClassLoader()))
        {
            assertTrue(!HostCheck.fromServer(name, own));
        }
        // A loader that takes it from its parent, as the webapp's does from the server's.
        try (java.net.URLClassLoader webapp = new java.net.URLClassLoader(new java.net.URL[0], HostCheckTest.class.getClassLoader()))
        {
            assertTrue(HostCheck.fromServer(name, webapp));
        }
    }

    @Test
    public void jetty120WithEe10IsAcceptedAndOtherVersionsRefusedWithTheirVersion()
    {
        assertEquals(Optional.empty(), HostCheck.refusal("jetty/12.0.30", EE10_CONTEXT, "12.0.30", name -> true));
        String line = HostCheck.refusal("jetty/11.0.24", "org.eclipse.jetty.servlet.ServletContextHandler$Context", "11.0.24", name -> true).orElseThrow();
        assertTrue(line.startsWith("wsproxy: this WAR needs Jetty 12.0 or 12.1 with the ee10 or ee11 environment; found Jetty 11.0.24"), line);
        assertTrue(HostCheck.refusal("jetty/12.2.0", EE10_CONTEXT, "12.2.0", name -> true).isPresent());
    }

    @Test
    public void jetty120WithEe9IsRefusedNamingTheEnvironment()
    {
        String line = HostCheck.refusal("jetty/12.0.30", "org.eclipse.jetty.ee9.nested.ContextHandler$APIContext", "12.0.30", name -> true).orElseThrow();
        assertTrue(line.contains("found Jetty 12.0.30 with the ee9 environment: "), line);
    }

    @Test
    public void ee11IsAcceptedAndEe9RefusedNamingTheEnvironment()
    {
        assertEquals(Optional.empty(), HostCheck.refusal("jetty/12.1.12", "org.eclipse.jetty.ee11.servlet.ServletContextHandler$ServletContextApi", "12.1.12", name -> true));
        String line = HostCheck.refusal("jetty/12.1.12", "org.eclipse.jetty.ee9.nested.ContextHandler$APIContext", "12.1.12", name -> true).orElseThrow();
        assertTrue(line.contains("found Jetty 12.1.12 with the ee9 environment: "), line);
    }

    @Test
    public void theJarVersionWinsOverAServerInfoTheOperatorChanged()
    {
        assertEquals(Optional.empty(), HostCheck.refusal("proxy", EE10_CONTEXT, "12.1.12", name -> true));
        assertTrue(HostCheck.refusal("jetty/12.1.12", EE10_CONTEXT, "11.0.24", name -> true).isPresent());
    }

    @Test
    public void aMissingServerClassIsNamed()
    {
        Set<String> missing = Set.of("org.eclipse.jetty.websocket.core.client.WebSocketCoreClient");
        String line = HostCheck.refusal("jetty/12.1.12", EE10_CONTEXT, "12.1.12", name -> !missing.contains(name)).orElseThrow();
        assertTrue(line.contains("the webapp cannot see org.eclipse.jetty.websocket.core.client.WebSocketCoreClient"), line);
    }

    private static boolean loads(String name)
    {
        try
        {
            Class.forName(name, false, HostCheckTest.class.getClassLoader());
            return true;
        }
        catch (ClassNotFoundException x)
        {
            return false;
        }
    }
}
