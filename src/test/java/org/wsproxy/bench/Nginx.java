package org.wsproxy.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * nginx as the reference, when it is installed: 2 worker processes and the reference guide's WebSocket
 * settings (HTTP/1.1 to the backend, Upgrade and Connection passed, 24 h read timeout, no buffering),
 * kept-alive backend connections for plain HTTP, and the same X-Forwarded-* headers wsproxy sends.
 * No access log (wsproxy logs no HTTP requests either). Everything it writes goes to a temporary directory.
 */
final class Nginx implements AutoCloseable
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int WORKERS = 2;

    private final Process master;
    private final int port;
    private final Path directory;

    private Nginx(Process master, int port, Path directory)
    {
        this.master = master;
        this.port = port;
        this.directory = directory;
    }

    /** nginx on the PATH (or in /usr/sbin, where Debian puts it), if installed. */
    static Optional<Path> find()
    {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin";
        return Stream.of(path.split(":"))
            .filter(dir -> !dir.isEmpty())
            .map(dir -> Path.of(dir, "nginx"))
            .filter(Files::isExecutable)
            .findFirst();
    }

    /** nginx's version line, such as {@code nginx/1.22.1}. */
    static String version(Path nginx) throws IOException, InterruptedException
    {
        Process process = new ProcessBuilder(nginx.toString(), "-v").redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes()).trim();
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return out.replace("nginx version: ", "");
    }

    static Nginx start(Path nginx, int backendPort, Path directory) throws IOException, InterruptedException
    {
        int port = freePort();
        Files.createDirectories(directory);
        // Workers run as an unprivileged user when nginx is started as root: they must be able to get in.
        directory.toFile().setExecutable(true, false);
        directory.toFile().setReadable(true, false);
        Path conf = directory.resolve("nginx.conf");
        Files.writeString(conf, config(directory, port, backendPort));
        Process master = new ProcessBuilder(nginx.toString(), "-p", directory.toString(), "-c", conf.toString(),
            "-e", directory.resolve("error.log").toString())
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("stdout.log").toFile())
            .start();
        Nginx started = new Nginx(master, port, directory);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!(started.listening() && started.workerPids().size() == WORKERS))
        {
            if (!master.isAlive() || System.nanoTime() > deadline)
            {
                started.close();
                throw new IOException("nginx did not start; its error log:\n" + Files.readString(directory.resolve("error.log")));
            }
            Thread.sleep(50);
        }
        return started;
    }

    private static String config(Path directory, int port, int backendPort)
    {
        String forwarded = """
                    proxy_http_version 1.1;
                    proxy_buffering off;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_set_header X-Forwarded-Host $host;
            """;
        return """
            daemon off;
            master_process on;
            worker_processes %d;
            worker_rlimit_nofile 20000;
            pid %s/nginx.pid;
            events { worker_connections 10000; }
            http {
                access_log off;
                client_body_temp_path %s/client_body;
                proxy_temp_path %s/proxy;
                fastcgi_temp_path %s/fastcgi;
                uwsgi_temp_path %s/uwsgi;
                scgi_temp_path %s/scgi;
                map $http_upgrade $connection_upgrade { default upgrade; '' close; }
                upstream backend { server 127.0.0.1:%d; keepalive 64; }
                server {
                    listen 127.0.0.1:%d;
                    location /ws/ {
                        proxy_pass http://backend;
            %s            proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_read_timeout 86400s;
                        proxy_send_timeout 86400s;
                    }
                    location / {
                        proxy_pass http://backend;
            %s            proxy_set_header Connection "";
                    }
                }
            }
            """.formatted(WORKERS, directory, directory, directory, directory, directory, directory, backendPort, port,
            forwarded, forwarded);
    }

    int port()
    {
        return port;
    }

    /** The worker processes: they do all the proxying, so their CPU time and RSS are nginx's cost. */
    List<Long> workerPids()
    {
        return master.children().map(ProcessHandle::pid).toList();
    }

    private boolean listening()
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        }
        catch (IOException x)
        {
            return false;
        }
    }

    /** A port free now, for nginx's configuration (nginx cannot bind port 0 and say which it got). */
    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /** SIGTERM (nginx's fast shutdown), then SIGKILL to anything left. */
    @Override
    public void close()
    {
        List<ProcessHandle> workers = master.children().toList();
        master.destroy();
        try
        {
            if (!master.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                master.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException x)
        {
            master.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        workers.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public String toString()
    {
        return "nginx on 127.0.0.1:" + port + " (" + directory + ")";
    }
}
