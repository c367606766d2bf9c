package org.wsproxy.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.wsproxy.demo.JettyBases;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The servlet hosts the one built WAR is run in (README, "Hosts"), as data: where the build unpacked each, how the WAR
 * is deployed there with a given set of context-params, and what README's "On Tomcat 10.1 and 11" table says differs
 * on it, as the expectations {@link HostsIT}'s cases adapt to.
 */
enum ServletHost
{
    /** jetty-home 12.1.12 with a copy of the project's jetty-base/ (ee10). */
    JETTY_121_EE10(Kind.JETTY_BASE, "jetty.home", "ee10"),
    /** jetty-home 12.1.12 with the ee11 twins of the modules (MinimalBase). */
    JETTY_121_EE11(Kind.MINIMAL_BASE, "jetty.home", "ee11"),
    /** jetty-home 12.0.30 with a copy of jetty-base/ (ee10). */
    JETTY_120_EE10(Kind.JETTY_BASE, "jetty.home.12.0", "ee10"),
    /** Tomcat 10.1 ({@code tomcat.version} in pom.xml), the WAR as README's "On Tomcat 10.1 and 11" deploys it. */
    TOMCAT_101(Kind.TOMCAT, "tomcat.home", null),
    /** Tomcat 11 ({@code tomcat11.version}). */
    TOMCAT_11(Kind.TOMCAT, "tomcat11.home", null);

    private enum Kind
    {
        JETTY_BASE, MINIMAL_BASE, TOMCAT
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Kind kind;
    /** The failsafe property naming the unpacked jetty-home or Tomcat. */
    private final String homeProperty;
    /** Jetty's environment (ee10, ee11); null on Tomcat. */
    private final String environment;

    ServletHost(Kind kind, String homeProperty, String environment)
    {
        this.kind = kind;
        this.homeProperty = homeProperty;
        this.environment = environment;
    }

    boolean tomcat()
    {
        return kind == Kind.TOMCAT;
    }

    /**
     * Whether a client's ping reaches the backend, whose pong then comes back. README, "On Tomcat 10.1 and 11", row
     * "pings from the client": on Tomcat they are answered by Tomcat, never relayed.
     */
    boolean relaysClientPings()
    {
        return !tomcat();
    }

    /**
     * Whether the client's frames are relayed as they came (a message's fragmentation kept). README, row "frames from
     * the client": Tomcat gives message parts, not frames, so a message may reach the backend cut differently; only
     * the message's content holds there.
     */
    boolean keepsClientFrames()
    {
        return !tomcat();
    }

    /**
     * The close code a client gets when the backend closes without one. README, row "a close without a code (1005)
     * from the backend": on Jetty a close without a code (which the JDK's client reports as 1005), on Tomcat 1000 (the
     * Jakarta API sends no close frame without a code).
     */
    int closeCodeForBackendCloseWithoutCode()
    {
        return tomcat() ? 1000 : 1005;
    }

    /** Log lines that must not appear: linkage errors anywhere; on Tomcat, any SEVERE or ERROR line too. */
    boolean isBadLogLine(String line)
    {
        if (line.contains("NoSuchMethodError") || line.contains("NoClassDefFoundError") || line.contains("IllegalAccessError")
            || line.contains("AbstractMethodError"))
            return true;
        return tomcat() && (line.contains("SEVERE") || line.contains("ERROR"));
    }

    /**
     * Deploys the built WAR here with these context-params (routes included) in a new base under {@code dir}, starts
     * the server and waits for its port: a Jetty base copied from jetty-base/ with the params set in its
     * etc/wsproxy-override.xml, a MinimalBase, or Tomcat's conf/Catalina/localhost/ROOT.xml.
     */
    Started start(Path dir, Map<String, String> contextParams) throws IOException
    {
        Path home = Path.of(JettyHomeProcess.requiredProperty(homeProperty));
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        if (!Files.isRegularFile(war))
            fail(war + " does not exist: run `mvn verify`, which packages it before the integration tests");
        switch (kind)
        {
            case TOMCAT ->
            {
                TomcatProcess tomcat = TomcatProcess.start(home, dir.resolve("tomcat-base"), war, contextParams);
                return started(tomcat, tomcat::logLines, () -> tomcat.awaitPort(START_TIMEOUT));
            }
            case JETTY_BASE ->
            {
                Path base = JettyBases.copy(Path.of(JettyHomeProcess.requiredProperty("jetty.base.src")), dir.resolve("jetty-base"));
                for (Map.Entry<String, String> param : contextParams.entrySet())
                    JettyBases.setContextParam(base, param.getKey(), param.getValue());
                // The WAR is unpacked here, inside the temporary directory.
                Files.createDirectories(base.resolve("work"));
                return jetty(home, base, war);
            }
            default ->
            {
                return jetty(home, MinimalBase.withContextParams(dir.resolve("base"), environment, war, contextParams), war);
            }
        }
    }

    private static Started jetty(Path home, Path base, Path war) throws IOException
    {
        JettyHomeProcess jetty = JettyHomeProcess.start(home, base, "jetty.http.port=0", "wsproxy.war=" + war);
        return started(jetty, jetty::logLines, () -> jetty.awaitPort(START_TIMEOUT));
    }

    /** Once the process has started: its port, or (it did not start) the process stopped and the failure thrown. */
    private static Started started(AutoCloseable process, java.util.function.Supplier<List<String>> log, java.util.function.IntSupplier port)
    {
        try
        {
            return new Started(port.getAsInt(), log, process);
        }
        catch (RuntimeException | Error x)
        {
            try
            {
                process.close();
            }
            catch (Exception suppressed)
            {
                x.addSuppressed(suppressed);
            }
            throw x;
        }
    }

    /** A host running the WAR: its port, its log so far, and its stop (bounded; forcible after a while). */
    record Started(int port, java.util.function.Supplier<List<String>> logs, AutoCloseable process) implements AutoCloseable
    {
        List<String> logLines()
        {
            return logs.get();
        }

        String log()
        {
            return String.join("\n", logs.get());
        }

        @Override
        public void close() throws Exception
        {
            process.close();
        }
    }
}
