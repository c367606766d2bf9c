package org.wsproxy.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stock Tomcat (the distribution, unpacked by the build) running the built WAR at "/" from a fresh CATALINA_BASE:
 * its connector on 127.0.0.1, port 0 (Tomcat picks one and names it), no shutdown port, and the WAR's context-params
 * in conf/Catalina/localhost/ROOT.xml, the way README's "Hosts" says to deploy on Tomcat. Output kept for assertions.
 */
final class TomcatProcess implements AutoCloseable
{
    // ... Starting ProtocolHandler ["http-nio-127.0.0.1-auto-1-41231"]
    private static final Pattern HANDLER_STARTED = Pattern.compile("Starting ProtocolHandler \\[\"http-nio-[^\"]*-auto-\\d+-(\\d+)\"]");
    // ... Server startup in [1234] milliseconds
    private static final Pattern SERVER_STARTED = Pattern.compile("Server startup in \\[(\\d+)\\] milliseconds");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    private final Process process;
    private final Thread reader;
    private final List<String> log = new ArrayList<>();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private int boundPort = -1;

    private TomcatProcess(Process process)
    {
        this.process = process;
        reader = new Thread(this::readOutput, "tomcat-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts Tomcat from {@code home} with a new base at {@code base}, the WAR at "/" with these context-params. */
    static TomcatProcess start(Path home, Path base, Path war, Map<String, String> contextParams) throws IOException
    {
        for (String dir : List.of("conf/Catalina/localhost", "webapps", "logs", "temp", "work"))
            Files.createDirectories(base.resolve(dir));
        for (String file : List.of("web.xml", "context.xml", "logging.properties", "catalina.properties"))
            Files.copy(home.resolve("conf").resolve(file), base.resolve("conf").resolve(file));
        Files.writeString(base.resolve("conf/server.xml"), """
            <?xml version="1.0" encoding="UTF-8"?>
            <Server port="-1" shutdown="SHUTDOWN">
              <Listener className="org.apache.catalina.startup.VersionLoggerListener"/>
              <Service name="Catalina">
                <Connector port="0" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000"/>
                <Engine name="Catalina" defaultHost="localhost">
                  <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false"/>
                </Engine>
              </Service>
            </Server>
            """);
        StringBuilder context = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Context docBase=\"" + war.toAbsolutePath() + "\">\n");
        contextParams.forEach((name, value) -> context.append("  <Parameter name=\"").append(name).append("\" value=\"").append(value)
            .append("\" override=\"false\"/>\n"));
        context.append("</Context>\n");
        Files.writeString(base.resolve("conf/Catalina/localhost/ROOT.xml"), context.toString());

        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(javaBin.toString(),
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
            "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
            "-Djava.util.logging.config.file=" + base.resolve("conf/logging.properties"),
            "-Dcatalina.home=" + home, "-Dcatalina.base=" + base, "-Djava.io.tmpdir=" + base.resolve("temp"),
            "-classpath", home.resolve("bin/bootstrap.jar") + java.io.File.pathSeparator + home.resolve("bin/tomcat-juli.jar"),
            "org.apache.catalina.startup.Bootstrap", "start");
        System.out.println("[tomcat] " + String.join(" ", command));
        Process process = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true).start();
        return new TomcatProcess(process);
    }

    /** Waits for Tomcat's "Server startup" line (after the deployment, which has started or failed by then); its port. */
    int awaitPort(Duration timeout)
    {
        try
        {
            return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException x)
        {
            throw new AssertionError("Tomcat did not start within " + timeout.toSeconds() + " s. Log:\n" + log(), x);
        }
        catch (ExecutionException x)
        {
            throw new AssertionError("Tomcat exited before it started. Log:\n" + log(), x.getCause());
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", x);
        }
    }

    String log()
    {
        synchronized (log)
        {
            return String.join("\n", log);
        }
    }

    List<String> logLines()
    {
        synchronized (log)
        {
            return List.copyOf(log);
        }
    }

    private void readOutput()
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                System.out.println("[tomcat] " + line);
                synchronized (log)
                {
                    log.add(line);
                }
                Matcher handler = HANDLER_STARTED.matcher(line);
                if (handler.find() && boundPort < 0)
                    boundPort = Integer.parseInt(handler.group(1));
                if (SERVER_STARTED.matcher(line).find() && boundPort >= 0)
                    port.complete(boundPort);
            }
        }
        catch (IOException x)
        {
            // The stream closes when the process is destroyed.
        }
        finally
        {
            port.completeExceptionally(new IllegalStateException("Tomcat exited"));
        }
    }

    /** Stops Tomcat (SIGTERM runs its shutdown hook, which undeploys the WAR), then forcibly; bounded either way. */
    @Override
    public void close()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            reader.join(STOP_TIMEOUT.toMillis());
        }
        catch (InterruptedException x)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (process.isAlive())
            throw new UncheckedIOException(new IOException("Tomcat (pid " + process.pid() + ") did not exit"));
    }
}
