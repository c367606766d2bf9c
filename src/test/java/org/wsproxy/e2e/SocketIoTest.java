package org.wsproxy.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real Socket.IO 4 server (two instances, Node.js) behind the proxy, and real Socket.IO clients that
 * start with HTTP long-polling and upgrade to WebSocket on the same path, with a cookie jar as a browser
 * has. With the pool's sticky cookie, every client's polls and its upgrade reach one backend and the
 * clients spread over both; without it (the control), round-robin splits a client's requests and
 * Socket.IO fails ("Session ID unknown"), which is why the cookie is needed.
 * <p>The npm packages (src/test/socketio/package-lock.json) are installed into target/socketio with
 * {@code npm ci} on first use. Skipped, saying why, when node or npm is not installed.</p>
 */
public class SocketIoTest
{
    private static final Pattern CLIENT = Pattern.compile("CLIENT (\\d+) backends=(\\S*) transports=(\\S*) error=(\\S+)");

    private final Deque<Process> processes = new ArrayDeque<>();
    private ProxyServer proxy;

    @AfterEach
    public void stopAll() throws Exception
    {
        if (proxy != null)
            proxy.stop();
        while (!processes.isEmpty())
        {
            Process process = processes.pop();
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean runs(String... command)
    {
        try
        {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (IOException | InterruptedException x)
        {
            return false;
        }
    }

    /** target/socketio with the scripts and node_modules (npm ci once); skips the test without node or npm, except on CI. */
    static Path prepare() throws Exception
    {
        // On CI .ci/run installs node and npm, so their absence there is a failure, not a skip.
        boolean ci = System.getenv("CI") != null;
        Assumptions.assumeTrue(ci || runs("node", "--version"), "node is not installed: the Socket.IO check is skipped");
        Assumptions.assumeTrue(ci || runs("npm", "--version"), "npm is not installed: the Socket.IO check is skipped");
        Path source = Path.of("src/test/socketio");
        Path dir = Path.of("target/socketio");
        Files.createDirectories(dir);
        for (String file : List.of("package.json", "package-lock.json", "server.js", "client.js", "rejoin.js"))
            Files.copy(source.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        if (!Files.isDirectory(dir.resolve("node_modules/socket.io-client")))
        {
            // Output to a file, so the wait below is bounded even if npm hangs without closing its output.
            Path log = dir.resolve("npm-ci.log");
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean exited = npm.waitFor(240, TimeUnit.SECONDS);
            if (!exited)
                npm.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            if (!exited || npm.exitValue() != 0)
                fail("npm ci " + (exited ? "failed" : "did not finish in 240 s") + " in " + dir + ":\n" + Files.readString(log));
        }
        return dir;
    }

    private int startServer(Path dir, String name) throws Exception
    {
        return startServer(dir, name, processes);
    }

    /**
     * Starts {@code node server.js NAME} and returns its port; the process goes on {@code processes}, for the caller to
     * stop by closing its standard input (as {@link #stopAll()} does).
     */
    static int startServer(Path dir, String name, Deque<Process> processes) throws Exception
    {
        Process process = new ProcessBuilder("node", "server.js", name).directory(dir.toFile()).redirectErrorStream(true).start();
        processes.push(process);
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() ->
        {
            try
            {
                for (String line; (line = out.readLine()) != null; )
                {
                    if (line.startsWith("LISTENING "))
                        port.complete(Integer.parseInt(line.substring(10).trim()));
                }
                port.completeExceptionally(new IOException("server " + name + " exited"));
            }
            catch (IOException x)
            {
                port.completeExceptionally(x);
            }
        }, "socketio-" + name);
        reader.setDaemon(true);
        reader.start();
        return port.get(30, TimeUnit.SECONDS);
    }

    private record ClientResult(List<String> backends, List<String> transports, String error)
    {
    }

    private static List<ClientResult> runClients(Path dir, String url, int count) throws Exception
    {
        Process process = new ProcessBuilder("node", "client.js", url, Integer.toString(count), "true").directory(dir.toFile())
            .redirectErrorStream(true).start();
        try
        {
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                }
                catch (IOException x)
                {
                    return x.toString();
                }
            });
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the Socket.IO clients did not finish");
            String text = output.get(10, TimeUnit.SECONDS);
            List<ClientResult> results = new ArrayList<>();
            for (String line : text.split("\n"))
            {
                Matcher m = CLIENT.matcher(line.trim());
                if (m.matches())
                    results.add(new ClientResult(List.of(m.group(2).split(",")), List.of(m.group(3).split(",")), m.group(4)));
            }
            assertEquals(count, results.size(), text);
            return results;
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    private ProxyServer proxy(int port1, int port2, boolean sticky) throws Exception
    {
        ProxyServer server = new ProxyServer().pool("io", "http://127.0.0.1:" + port1 + " http://127.0.0.1:" + port2).poolRoute("io", "/socket.io/", "io");
        if (sticky)
            server.param("wsproxy.pool.io.stickyCookie", "WSPROXY_IO");
        return server.start();
    }

    @Test
    public void pollingThenUpgradeStaysOnOneBackendWithTheStickyCookie() throws Exception
    {
        Path dir = prepare();
        int port1 = startServer(dir, "b1");
        int port2 = startServer(dir, "b2");
        proxy = proxy(port1, port2, true);
        List<ClientResult> results = runClients(dir, proxy.httpUrl("/"), 8);
        java.util.Set<String> used = new java.util.HashSet<>();
        for (ClientResult result : results)
        {
            assertEquals("none", result.error(), result.toString());
            assertEquals(2, result.backends().size(), result.toString());
            assertEquals(1, java.util.Set.copyOf(result.backends()).size(), "a client moved between backends: " + result);
            assertEquals("websocket", result.transports().get(1), result.toString());
            used.add(result.backends().get(0));
        }
        assertEquals(java.util.Set.of("b1", "b2"), used, "clients should spread over both backends: " + results);
        System.out.println("Socket.IO through the proxy with stickyCookie: " + results);
    }

    @Test
    public void withoutStickinessSocketIoFailsOnTwoBackends() throws Exception
    {
        Path dir = prepare();
        int port1 = startServer(dir, "b1");
        int port2 = startServer(dir, "b2");
        proxy = proxy(port1, port2, false);
        List<ClientResult> results = runClients(dir, proxy.httpUrl("/"), 4);
        long failed = results.stream().filter(r -> !r.error().equals("none")).count();
        System.out.println("Socket.IO through the proxy without stickiness: " + results);
        assertTrue(failed > 0, "expected round-robin to break Socket.IO's polling sessions: " + results);
    }
}
