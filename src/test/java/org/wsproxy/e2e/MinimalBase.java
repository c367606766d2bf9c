package org.wsproxy.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Jetty base made the way README's "Into an existing Jetty" says, in a given environment (ee10, ee11):
 * the deployer and WebSocket modules of that environment, and the WAR deployed at "/" with one route
 * for every path to {@code backend}. Unlike jetty-base/, it works the same in jetty-home 12.0.
 */
final class MinimalBase
{
    private MinimalBase()
    {
    }

    static Path create(Path base, String environment, Path war, String backend) throws IOException
    {
        Files.createDirectories(base.resolve("start.d"));
        Files.createDirectories(base.resolve("webapps"));
        // Jetty unpacks the WAR here rather than in java.io.tmpdir.
        Files.createDirectories(base.resolve("work"));
        Files.writeString(base.resolve("start.d/wsproxy.ini"), String.join("\n",
            "--modules=server,http,logging-jetty",
            "--modules=" + environment + "-deploy," + environment + "-websocket-jetty," + environment + "-websocket-jetty-client-webapp",
            ""));
        Files.writeString(base.resolve("override.xml"), """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
              <context-param><param-name>wsproxy.routes</param-name><param-value>all</param-value></context-param>
              <context-param><param-name>wsproxy.route.all.path</param-name><param-value>/</param-value></context-param>
              <context-param><param-name>wsproxy.route.all.backends</param-name><param-value>%s</param-value></context-param>
            </web-app>
            """.formatted(backend));
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
