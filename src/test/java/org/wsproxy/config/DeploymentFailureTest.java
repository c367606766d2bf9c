package org.wsproxy.config;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.testing.ProxyServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real webapp (web.xml, listener, filter, servlet) refuses to start on a bad parameter, and the
 * failure that reaches the container names the parameter and the value: a deployment that starts
 * half-configured, or fails with a message that says neither, is what these tests rule out.
 */
public class DeploymentFailureTest
{
    private static final String BACKEND = "http://127.0.0.1:9";

    @TempDir
    Path dir;

    private ProxyServer proxy;

    @AfterEach
    public void stop() throws Exception
    {
        if (proxy == null)
            return;
        // As Jetty's deployer does after a failed deployment: stop the webapp first, so that what did start
        // (the listener's runtime, a servlet's client on the server's threads) stops before the server's pool.
        if (proxy.context() != null)
            proxy.context().stop();
        proxy.stop();
    }

    /** Every message of the failure, its causes and suppressed exceptions, one per line. */
    private static String messages(Throwable failure)
    {
        List<String> messages = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> todo = new ArrayList<>(List.of(failure));
        while (!todo.isEmpty())
        {
            Throwable x = todo.remove(0);
            if (!seen.add(x))
                continue;
            messages.add(x.getClass().getName() + ": " + x.getMessage());
            if (x.getCause() != null)
                todo.add(x.getCause());
            todo.addAll(List.of(x.getSuppressed()));
        }
        return String.join("\n", messages);
    }

    private void assertStartFailsNaming(String parameter, String value)
    {
        Exception failure = assertThrows(Exception.class, proxy::start, "the proxy started despite " + parameter + "=" + value);
        String messages = messages(failure);
        assertTrue(messages.contains(parameter), () -> "failure does not name " + parameter + ":\n" + messages);
        assertTrue(messages.contains("'" + value + "'"), () -> "failure does not quote the value '" + value + "':\n" + messages);
    }

    private Path override(String body) throws Exception
    {
        Path file = Files.createTempFile(dir, "override-web", ".xml");
        Files.writeString(file, """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
            %s
            </web-app>
            """.formatted(body));
        return file;
    }

    @Test
    public void badRouteDurationFailsTheDeployment()
    {
        proxy = new ProxyServer().route("main", "/", BACKEND).param("wsproxy.route.main.connectTimeout", "-5s");
        assertStartFailsNaming("wsproxy.route.main.connectTimeout", "-5s");
    }

    @Test
    public void badKeepaliveIntervalFailsTheDeployment()
    {
        proxy = new ProxyServer().route("main", "/", BACKEND).param("wsproxy.route.main.pingInterval", "30");
        assertStartFailsNaming("wsproxy.route.main.pingInterval", "30");
    }

    @Test
    public void misspeltParameterFailsTheDeployment()
    {
        proxy = new ProxyServer().route("main", "/", BACKEND).param("wsproxy.readTimout", "5s");
        assertStartFailsNaming("wsproxy.readTimout", "5s");
    }

    @Test
    public void malformedBackendFailsTheDeployment()
    {
        proxy = new ProxyServer().route("main", "/", "htp:/x");
        assertStartFailsNaming("wsproxy.route.main.backends", "htp:/x");
    }

    @Test
    public void missingRoutesFailTheDeployment()
    {
        proxy = new ProxyServer();
        assertStartFailsNaming("wsproxy.routes", "");
    }

    @Test
    public void unknownServletInitParamFailsTheDeployment() throws Exception
    {
        // Jetty's own ProxyServlet knob: wsproxy.readTimeout says this, and must be the only place that does.
        proxy = new ProxyServer().route("main", "/", BACKEND).overrideDescriptor(override("""
            <servlet>
              <servlet-name>wsproxy-http</servlet-name>
              <init-param><param-name>timeout</param-name><param-value>30000</param-value></init-param>
            </servlet>
            """));
        assertStartFailsNaming("timeout", "30000");
    }

    @Test
    public void badServletInitParamValueFailsTheDeployment() throws Exception
    {
        proxy = new ProxyServer().route("main", "/", BACKEND).overrideDescriptor(override("""
            <servlet>
              <servlet-name>wsproxy-http</servlet-name>
              <init-param><param-name>maxConnectionsPerBackend</param-name><param-value>none</param-value></init-param>
            </servlet>
            """));
        assertStartFailsNaming("maxConnectionsPerBackend", "none");
    }

    @Test
    public void unknownFilterInitParamFailsTheDeployment() throws Exception
    {
        proxy = new ProxyServer().route("main", "/", BACKEND).overrideDescriptor(override("""
            <filter>
              <filter-name>wsproxy-websocket</filter-name>
              <init-param><param-name>idleTimeout</param-name><param-value>5s</param-value></init-param>
            </filter>
            """));
        assertStartFailsNaming("idleTimeout", "5s");
    }

    @Test
    public void validServletInitParamIsAcceptedAndTheProxyServes() throws Exception
    {
        // The positive control for the refusals above: the override mechanism itself works.
        proxy = new ProxyServer().route("main", "/api/", BACKEND).overrideDescriptor(override("""
            <servlet>
              <servlet-name>wsproxy-http</servlet-name>
              <init-param><param-name>maxConnectionsPerBackend</param-name><param-value>4</param-value></init-param>
            </servlet>
            """));
        proxy.start();
        assertEquals("4", proxy.context().getServletHandler().getServlet("wsproxy-http").getInitParameter("maxConnectionsPerBackend"));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/elsewhere")))
            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, response.statusCode());
    }
}
