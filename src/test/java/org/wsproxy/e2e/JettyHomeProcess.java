package org.wsproxy.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * A stock jetty-home run as a child process ({@code java -jar start.jar}), the way an operator runs it.
 * Its output is captured (and echoed, prefixed) so that the test can find the bound port in Jetty's
 * "Started ServerConnector" line, assert on log lines, and show the whole log when something fails.
 */
public final class JettyHomeProcess implements AutoCloseable
{
    // 2026-01-01 00:00:00.000:INFO :oejs.AbstractConnector:main: Started oejs.ServerConnector@1a2b{HTTP/1.1, (http/1.1)}{0.0.0.0:43210}
    private static final Pattern CONNECTOR_STARTED = Pattern.compile("Started \\S*ServerConnector@\\S*\\{[^}]*}\\{[^}]*:(\\d+)}");
    // ... Started oejs.Server@5717c37{STARTING}[12.1.12,sto=0] @444ms
    private static final Pattern SERVER_STARTED = Pattern.compile("Started \\S*Server@\\S* @(\\d+)ms");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    private final Process process;
    private final boolean echo;
    private final Thread reader;
    private final long startNanos;
    private final List<String> log = new ArrayList<>();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private int boundPort = -1;
    private volatile long readyNanos;
    private volatile long jvmStartMillis = -1;

    private JettyHomeProcess(Process process, boolean echo, long startNanos)
    {
        this.process = process;
        this.echo = echo;
        this.startNanos = startNanos;
        reader = new Thread(this::readOutput, "jetty-home-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * @param properties start.jar properties, {@code name=value}
     */
    static JettyHomeProcess start(Path jettyHome, Path jettyBase, String... properties) throws IOException
    {
        return start(Path.of(System.getProperty("java.home")), jettyHome, jettyBase, true, properties);
    }

    /**
     * @param javaHome the JDK or JRE to run start.jar with
     * @param echo whether to copy Jetty's output to this process's, prefixed; it is kept in {@link #log()} either way
     * @param properties start.jar properties, {@code name=value}
     */
    public static JettyHomeProcess start(Path javaHome, Path jettyHome, Path jettyBase, boolean echo, String... properties) throws IOException
    {
        return start(javaHome, jettyHome, jettyBase, echo, Map.of(), properties);
    }

    /**
     * @param environment variables added to the environment start.jar runs in, which the JVM it forks for
     * Jetty inherits (e.g. {@code MALLOC_ARENA_MAX}, which no JVM option sets)
     */
    public static JettyHomeProcess start(Path javaHome, Path jettyHome, Path jettyBase, boolean echo, Map<String, String> environment,
                                         String... properties) throws IOException
    {
        List<String> command = new ArrayList<>(List.of(
            javaHome.resolve("bin").resolve("java").toString(),
            "-jar", jettyHome.resolve("start.jar").toString(),
            "jetty.home=" + jettyHome,
            "jetty.base=" + jettyBase));
        command.addAll(List.of(properties));
        if (echo)
            System.out.println("[jetty] " + String.join(" ", command));
        long startNanos = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command)
            .directory(jettyBase.toFile())
            .redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        return new JettyHomeProcess(process, echo, startNanos);
    }

    /**
     * Waits for Jetty to have started and returns its connector's port. Jetty deploys contexts before it
     * opens connectors, so by then the webapp has either started or failed. Fails with the log so far
     * if that takes too long or Jetty exits.
     */
    public int awaitPort(Duration timeout)
    {
        try
        {
            return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException x)
        {
            throw new AssertionError("jetty-home did not start within " + timeout.toSeconds() + " s. Log:\n" + log(), x);
        }
        catch (ExecutionException x)
        {
            throw new AssertionError("jetty-home exited before it started. Log:\n" + log(), x.getCause());
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted", x);
        }
    }

    /** A system property the failsafe configuration sets (jetty.home, jetty.base.src, wsproxy.war). */
    public static String requiredProperty(String name)
    {
        String value = System.getProperty(name);
        if (value == null || value.isBlank())
            throw new IllegalStateException("System property " + name + " is not set: run this test through `mvn verify` (failsafe sets it)");
        return value;
    }

    /**
     * The port of the started connector whose protocols begin with {@code protocol} ("HTTP/1.1", "SSL"),
     * for a server with several connectors; call it after {@link #awaitPort(Duration)}.
     */
    int connectorPort(String protocol)
    {
        Pattern connector = Pattern.compile("Started \\S*ServerConnector@\\S*\\{" + Pattern.quote(protocol) + "[^}]*}\\{[^}]*:(\\d+)}");
        for (String line : logLines())
        {
            Matcher matcher = connector.matcher(line);
            if (matcher.find())
                return Integer.parseInt(matcher.group(1));
        }
        throw new AssertionError("no started " + protocol + " connector in the log:\n" + log());
    }

    /** From launching the process to Jetty's "Started Server" line, i.e. what an operator waits. */
    Duration startTime()
    {
        return Duration.ofNanos(readyNanos - startNanos);
    }

    /** Jetty's own figure ("Started Server @Nms": time since its JVM started). */
    long jvmStartMillis()
    {
        return jvmStartMillis;
    }

    public String log()
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

    private void joinReader()
    {
        try
        {
            // Its stream ends with the process: the last lines are in the log once this returns.
            reader.join(STOP_TIMEOUT.toMillis());
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void readOutput()
    {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                if (echo)
                    System.out.println("[jetty] " + line);
                synchronized (log)
                {
                    log.add(line);
                }
                Matcher connector = CONNECTOR_STARTED.matcher(line);
                if (connector.find() && boundPort < 0)
                    boundPort = Integer.parseInt(connector.group(1));
                // The server's "Started" line comes last: after the deployment and after the connector.
                Matcher server = SERVER_STARTED.matcher(line);
                if (server.find() && boundPort >= 0 && !port.isDone())
                {
                    readyNanos = System.nanoTime();
                    jvmStartMillis = Long.parseLong(server.group(1));
                    port.complete(boundPort);
                }
            }
        }
        catch (IOException x)
        {
            // The stream closes when the process is destroyed.
        }
        finally
        {
            port.completeExceptionally(new IllegalStateException("jetty-home exited"));
        }
    }

    /**
     * The process that runs Jetty's server: start.jar's own JVM, or the JVM it forked when the base's
     * start.d asks for JVM options ({@code --exec}).
     */
    public long serverPid()
    {
        return process.descendants()
            .filter(child -> child.info().command().map(command -> command.endsWith("/java")).orElse(false))
            .mapToLong(ProcessHandle::pid)
            .findFirst()
            .orElse(process.pid());
    }

    /** Stops Jetty gracefully (SIGTERM runs its shutdown hook), then forcibly; waits a bounded time either way. */
    @Override
    public void close()
    {
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroy);
        process.destroy();
        try
        {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                descendants.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (InterruptedException x)
        {
            descendants.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        joinReader();
        if (process.isAlive())
            throw new UncheckedIOException(new IOException("jetty-home (pid " + process.pid() + ") did not exit"));
    }
}
