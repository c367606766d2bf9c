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
 * The one built WAR deployed where it cannot run: the deployment fails with boot.HostCheck's one line,
 * saying what was found and what to use, and no linkage error from the classes after it (before
 * HostCheck, 12.0.30 failed with a NoSuchMethodError in the HTTP client, ee11 with a NoClassDefFoundError).
 * Each host starts once, with a base made the way README's "Into an existing Jetty" says, in that
 * host's environment. Tomcat 10.1.48 was checked by hand the same way (README, "Hosts").
 */
class UnsupportedHostIT
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String LINE = "wsproxy: this WAR needs Jetty 12.1 with the ee10 environment; found ";

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
    void jetty120IsRefusedWithOneLine() throws Exception
    {
        Path home = Path.of(JettyHomeProcess.requiredProperty("jetty.home.refused"));
        assertRefused(home, "ee10", "Jetty 12.0.");
    }

    @Test
    void ee11IsRefusedWithOneLine() throws Exception
    {
        Path home = Path.of(JettyHomeProcess.requiredProperty("jetty.home"));
        assertRefused(home, "ee11", "Jetty 12.1.");
    }

    private void assertRefused(Path home, String environment, String found) throws Exception
    {
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        if (!Files.isRegularFile(war))
            fail(war + " does not exist: run `mvn verify`, which packages it before the integration tests");
        jetty = JettyHomeProcess.start(home, base(environment, war), "jetty.http.port=0");
        int port = jetty.awaitPort(START_TIMEOUT);

        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertTrue(response.statusCode() == 503 || response.statusCode() == 404,
            () -> "Expected 503 or 404 from Jetty, got " + response.statusCode() + "\n" + jetty.log());

        List<String> lines = jetty.logLines();
        String expected = LINE + found;
        List<String> refusals = lines.stream().filter(line -> line.contains("ERROR") && line.contains(LINE)).toList();
        assertEquals(1, refusals.size(), () -> "one ERROR line from HostCheck expected:\n" + jetty.log());
        assertTrue(refusals.get(0).contains(expected) && refusals.get(0).contains(environment + " environment"),
            () -> refusals.get(0));
        assertTrue(lines.stream().noneMatch(line -> line.contains("NoSuchMethodError") || line.contains("NoClassDefFoundError")),
            () -> "a linkage error after the refusal:\n" + jetty.log());
    }

    /** A base with the deployer and WebSocket modules of {@code environment}, deploying the WAR at "/". */
    private Path base(String environment, Path war) throws Exception
    {
        Path base = tmp.resolve("base-" + environment);
        Files.createDirectories(base.resolve("start.d"));
        Files.createDirectories(base.resolve("webapps"));
        // Jetty unpacks the WAR here rather than in java.io.tmpdir.
        Files.createDirectories(base.resolve("work"));
        Files.writeString(base.resolve("start.d/wsproxy.ini"), String.join("\n",
            "--modules=server,http,logging-jetty",
            "--modules=" + environment + "-deploy," + environment + "-websocket-jetty," + environment + "-websocket-jetty-client-webapp",
            ""));
        // Routes, so that without the check the webapp would get as far as the Jetty classes it cannot use.
        Files.writeString(base.resolve("override.xml"), """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
              <context-param><param-name>wsproxy.routes</param-name><param-value>all</param-value></context-param>
              <context-param><param-name>wsproxy.route.all.path</param-name><param-value>/</param-value></context-param>
              <context-param><param-name>wsproxy.route.all.backends</param-name><param-value>http://127.0.0.1:9</param-value></context-param>
            </web-app>
            """);
        Files.writeString(base.resolve("webapps/wsproxy.xml"), """
            <?xml version="1.0"?>
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <Configure id="wac" class="org.eclipse.jetty.%s.webapp.WebAppContext">
              <Set name="contextPath">/</Set>
              <Set name="war">%s</Set>
              <Set name="overrideDescriptor">%s</Set>
            </Configure>
            """.formatted(environment, war.toAbsolutePath(), base.resolve("override.xml").toAbsolutePath()));
        return base;
    }
}
