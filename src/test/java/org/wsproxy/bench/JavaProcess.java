package org.wsproxy.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A class of this benchmark run as a process of its own, on this JVM's classpath: the backend and each
 * load driver. Its output lines go to a consumer (the last ones are kept for error messages); closing
 * its standard input asks it to exit, and {@link #close()} makes sure it did.
 */
final class JavaProcess implements AutoCloseable
{
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int KEPT_LINES = 40;

    private final String name;
    private final Process process;
    private final Thread reader;
    private final Deque<String> lastLines = new ArrayDeque<>();

    private JavaProcess(String name, Process process, Consumer<String> lines)
    {
        this.name = name;
        this.process = process;
        reader = new Thread(() -> read(lines), name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    static JavaProcess start(String name, List<String> jvmOptions, Class<?> main, List<String> args, Consumer<String> lines) throws IOException
    {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new JavaProcess(name, process, lines);
    }

    long pid()
    {
        return process.pid();
    }

    /** Waits for the process to exit by itself, at most {@code timeout}; true if it did. */
    boolean waitFor(Duration timeout) throws InterruptedException
    {
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (exited)
            reader.join(STOP_TIMEOUT.toMillis());
        return exited;
    }

    int exitValue()
    {
        return process.exitValue();
    }

    String lastLines()
    {
        synchronized (lastLines)
        {
            return String.join("\n", lastLines);
        }
    }

    private void read(Consumer<String> lines)
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                synchronized (lastLines)
                {
                    lastLines.addLast(line);
                    if (lastLines.size() > KEPT_LINES)
                        lastLines.removeFirst();
                }
                lines.accept(line);
            }
        }
        catch (IOException x)
        {
            // The stream ends with the process.
        }
    }

    /** Closes its standard input (the backend's signal to stop), then ends it, forcibly if it does not go. */
    @Override
    public void close()
    {
        try
        {
            process.getOutputStream().close();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (IOException x)
        {
            process.destroyForcibly();
        }
        catch (InterruptedException x)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (process.isAlive())
            throw new IllegalStateException(name + " (pid " + process.pid() + ") did not exit");
    }
}
