package org.wsproxy.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one built WAR deployed where it cannot run, jetty-home 12.0.30 with the ee9 environment (the ee9 twins of the
 * modules, a base made the way README's "Into an existing Jetty" says): the deployment fails with boot.HostCheck's
 * one line, saying what was found and what to use, and no linkage error from the classes after it. One start.
 * Jetty 12.0.30 with ee10, refused here until host/JettyApi, is served now, and so are Tomcat 10.1 and 11 (HostsIT).
 */
class UnsupportedHostIT
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String LINE = "wsproxy: this WAR needs Jetty 12.0 or 12.1 with the ee10 or ee11 environment; found ";

    @TempDir
    Path tmp;

    private JettyHomeProcess jetty;

    @AfterEach
    void stop()
    {
        if (jetty != null)
            jetty.close();
    }

    @Test
    void ee9IsRefusedWithOneLine() throws Exception
    {
        Path home = Path.of(JettyHomeProcess.requiredProperty("jetty.home.12.0"));
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        if (!Files.isRegularFile(war))
            fail(war + " does not exist: run `mvn verify`, which packages it before the integration tests");
        // Routes (to a port where nothing listens), so that without the check the webapp would get as far
        // as the Jetty classes it cannot use.
        jetty = JettyHomeProcess.start(home, MinimalBase.create(tmp.resolve("base"), "ee9", war, "http://127.0.0.1:9"), "jetty.http.port=0");
        int port = jetty.awaitPort(START_TIMEOUT);

        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertTrue(response.statusCode() == 503 || response.statusCode() == 404,
            () -> "Expected 503 or 404 from Jetty, got " + response.statusCode() + "\n" + jetty.log());

        List<String> lines = jetty.logLines();
        List<String> refusals = lines.stream().filter(line -> line.contains("ERROR") && line.contains(LINE)).toList();
        assertEquals(1, refusals.size(), () -> "one ERROR line from HostCheck expected:\n" + jetty.log());
        assertTrue(refusals.get(0).contains(LINE + "Jetty 12.0.") && refusals.get(0).contains(" with the ee9 environment: "), () -> refusals.get(0));
        assertTrue(lines.stream().noneMatch(line -> line.contains("NoSuchMethodError") || line.contains("NoClassDefFoundError")),
            () -> "a linkage error after the refusal:\n" + jetty.log());
    }

    /**
     * jetty-home 12.1.12 without the ee10-websocket-jetty-client-webapp module: the WAR carries websocket-core's client
     * (for Tomcat), but on Jetty the relay must use the server's; HostCheck refuses rather than let the webapp take the
     * WAR's copy.
     */
    @Test
    void aJettyLackingAModuleIsRefusedThoughTheWarHasTheClasses() throws Exception
    {
        Path home = Path.of(JettyHomeProcess.requiredProperty("jetty.home"));
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        Path base = MinimalBase.create(tmp.resolve("base"), "ee10", war, "http://127.0.0.1:9");
        Files.writeString(base.resolve("start.d/wsproxy.ini"), "--modules=server,http,logging-jetty\n--modules=ee10-deploy,ee10-websocket-jetty\n");
        jetty = JettyHomeProcess.start(home, base, "jetty.http.port=0");
        jetty.awaitPort(START_TIMEOUT);

        List<String> refusals = jetty.logLines().stream().filter(line -> line.contains("ERROR") && line.contains("wsproxy: this WAR needs Jetty 12.0 or 12.1 ")).toList();
        assertEquals(1, refusals.size(), () -> "one ERROR line from HostCheck expected:\n" + jetty.log());
        assertTrue(refusals.get(0).contains("the webapp cannot see org.eclipse.jetty.websocket.core.client.WebSocketCoreClient"), () -> refusals.get(0));
    }
}
