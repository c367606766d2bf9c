package org.wsproxy.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Jetty base made the way README's "Into an existing Jetty" says, in a given environment (ee10, ee11):
 * the deployer and WebSocket modules of that environment, and the WAR deployed at "/" with one route
 * for every path to {@code backend} (or one route per path prefix).
 */
final class MinimalBase
{
    private MinimalBase()
    {
    }

    static Path create(Path base, String environment, Path war, String backend) throws IOException
    {
        return create(base, environment, war, Map.of("/", backend));
    }

    /**
     * @param routes path prefix to backend, one route each (named r0, r1, ...)
     */
    static Path create(Path base, String environment, Path war, Map<String, String> routes) throws IOException
    {
        return create(base, environment, war, routes, Map.of());
    }

    /**
     * @param routes path prefix to backend, one route each (named r0, r1, ...)
     * @param params more context-params, name to value
     */
    static Path create(Path base, String environment, Path war, Map<String, String> routes, Map<String, String> params) throws IOException
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
        for (Map.Entry<String, String> param : new TreeMap<>(params).entrySet())
        {
            override.append("  <context-param><param-name>%s</param-name><param-value>%s</param-value></context-param>\n"
                .formatted(param.getKey(), param.getValue()));
        }
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, String> route : new TreeMap<>(routes).entrySet())
        {
            String name = "r" + names.size();
            names.add(name);
            override.append("  <context-param><param-name>wsproxy.route.%s.path</param-name><param-value>%s</param-value></context-param>\n"
                .formatted(name, route.getKey()));
            override.append("  <context-param><param-name>wsproxy.route.%s.backends</param-name><param-value>%s</param-value></context-param>\n"
                .formatted(name, route.getValue()));
        }
        Files.writeString(base.resolve("override.xml"), """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
              <context-param><param-name>wsproxy.routes</param-name><param-value>%s</param-value></context-param>
            %s</web-app>
            """.formatted(String.join(", ", names), override));
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
