package org.wsproxy.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Jetty base made the way README's "Into an existing Jetty" says, in a given environment (ee10, ee11):
 * the deployer and WebSocket modules of that environment, and the WAR deployed at "/" with one route
 * for every path to {@code backend}, or with any context-params.
 */
final class MinimalBase
{
    private MinimalBase()
    {
    }

    /** The WAR with one route, "/" to {@code backend}. */
    static Path create(Path base, String environment, Path war, String backend) throws IOException
    {
        return withContextParams(base, environment, war, Map.of(
            "wsproxy.routes", "all",
            "wsproxy.route.all.path", "/",
            "wsproxy.route.all.backends", backend));
    }

    /**
     * @param contextParams every context-param the WAR gets, routes included ({@code wsproxy.routes} and the routes'
     * parameters), name to value
     */
    static Path withContextParams(Path base, String environment, Path war, Map<String, String> contextParams) throws IOException
    {
        Files.createDirectories(base.resolve("start.d"));
        Files.createDirectories(base.resolve("webapps"));
        // Jetty unpacks the WAR here rather than in java.io.tmpdir.
        Files.createDirectories(base.resolve("work"));
        Files.writeString(base.resolve("start.d/wsproxy.ini"), String.join("\n",
            "--modules=server,http,logging-jetty",
            "--modules=" + environment + "-deploy," + environment + "-websocket-jetty," + environment + "-websocket-jetty-client-webapp",
            ""));
        StringBuilder override = new StringBuilder();
        for (Map.Entry<String, String> param : contextParams.entrySet())
        {
            override.append("  <context-param><param-name>%s</param-name><param-value>%s</param-value></context-param>\n"
                .formatted(param.getKey(), param.getValue()));
        }
        Files.writeString(base.resolve("override.xml"), """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
            %s</web-app>
            """.formatted(override));
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
