package org.wsproxy.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * HAProxy (Debian's {@code haproxy} package) run as a child process in the foreground ({@code haproxy -f CFG -db}), with
 * its output in a file, and a stats listener whose CSV says each server's state as HAProxy's health checks see it.
 */
final class HaproxyProcess implements AutoCloseable
{
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final Path output;
    private final int statsPort;
    private final HttpClient client;

    private HaproxyProcess(Process process, Path output, int statsPort)
    {
        this.process = process;
        this.output = output;
        this.statsPort = statsPort;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * The haproxy executable. Missing: the test fails on CI (where {@code .ci/run} installs it) and is skipped, saying
     * why, elsewhere.
     */
    static Path executable()
    {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)));
        // Debian installs it in /usr/sbin, which a non-root user's PATH often lacks.
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin"));
        Optional<Path> found = dirs.stream().filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, "haproxy")).filter(Files::isExecutable).findFirst();
        if (found.isEmpty())
        {
            if (System.getenv("CI") != null)
                fail("haproxy is not installed (.ci/run installs it on CI): the balancer check cannot run");
            Assumptions.abort("haproxy is not installed (apt-get install haproxy): the balancer check is skipped");
        }
        return found.get();
    }

    /** Starts {@code haproxy -f config -db}; its output goes to {@code output}. */
    static HaproxyProcess start(Path config, Path output, int statsPort) throws IOException
    {
        Process process = new ProcessBuilder(executable().toString(), "-f", config.toString(), "-db")
            .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new HaproxyProcess(process, output, statsPort);
    }

    /**
     * The state HAProxy gives {@code server} of {@code backend} in its stats ("UP", "DOWN", "UP 1/2" while a rise is
     * under way...), or what went wrong asking.
     */
    String status(String backend, String server)
    {
        try
        {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            String[] lines = response.body().split("\n");
            List<String> columns = List.of(lines[0].replaceFirst("^# ", "").split(","));
            int status = columns.indexOf("status");
            for (String line : lines)
            {
                String[] cells = line.split(",", -1);
                if (cells.length > status && cells[0].equals(backend) && cells[1].equals(server))
                    return cells[status];
            }
            return "no such server in the stats";
        }
        catch (IOException x)
        {
            return "stats not answering: " + x;
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Waits until HAProxy shows {@code server} in state {@code expected}; fails with the last state and HAProxy's output. */
    void awaitStatus(String backend, String server, String expected, Duration timeout) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        String status;
        while (!(status = status(backend, server)).equals(expected))
        {
            if (!process.isAlive())
                fail("haproxy exited (" + process.exitValue() + "):\n" + output());
            if (System.nanoTime() - deadline > 0)
                fail("HAProxy did not show " + backend + "/" + server + " " + expected + " within " + timeout.toSeconds() + " s (it shows " +
                    status + "). Its output:\n" + output());
            Thread.sleep(50);
        }
    }

    String output()
    {
        try
        {
            return Files.readString(output, StandardCharsets.UTF_8);
        }
        catch (IOException x)
        {
            return "(no output: " + x + ")";
        }
    }

    /** SIGTERM (HAProxy's immediate stop), then SIGKILL if it has not exited within a bounded time. */
    @Override
    public void close() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
        {
            process.destroyForcibly();
            process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
