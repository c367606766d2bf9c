package org.wsproxy.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.demo.DemoBackend;
import org.wsproxy.demo.JettyBases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7 item 9, in the shipped jetty-base: the proxy's memory comes back after load. A burst of WebSockets
 * held open and then dropped grows the server JVM's resident memory (its RSS, from /proc/PID/status); once the
 * proxy is quiet, its RSS must come back within 1.5x of what it was after start-up, and give back at least
 * half of what the burst added, within a bounded wait.
 * <p>The idle interval is 2 s here (wsproxy.idleGcInterval; 30 s in jetty-base), so that the test takes
 * seconds, not minutes; {@code mvn -Pmemory package} measures the shipped settings over 2 minutes. Figures are
 * printed (lines {@code MEMORY-IT}); only outcomes are asserted, with a wait far longer than needed.</p>
 * <p>{@code -Dmemory.it.base=DIR} runs it against another jetty base (e.g. one from before the change), to get
 * the "before" figures: its assertions then fail, after the figures are printed.</p>
 */
class MemoryReturnIT
{
    private static final int CONNECTIONS = Integer.getInteger("memory.it.connections", 3000);
    private static final int BATCH = 100;
    private static final int ROUNDS = 2;
    private static final long IDLE_GC_INTERVAL_MS = 2000;
    private static final double GOAL = 1.5;
    private static final long MIB = 1024 * 1024;
    /** The burst must add at least this much for the test to mean anything. */
    private static final long MIN_GROWTH = 48 * MIB;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RETURN_BOUND = Duration.ofSeconds(60);
    private static final byte[] UPGRADE = ("GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private DemoBackend backend;
    private JettyHomeProcess jetty;
    private final List<Socket> sockets = new ArrayList<>();
    private int refused;
    private String firstRefusal;

    @BeforeEach
    void start() throws Exception
    {
        backend = new DemoBackend();
        backend.start(0);
        Path source = Path.of(System.getProperty("memory.it.base", JettyHomeProcess.requiredProperty("jetty.base.src")));
        Path base = JettyBases.copy(source, tmp.resolve("jetty-base"));
        JettyBases.pointBackendsAt(base, "http://127.0.0.1:" + backend.getPort());
        // The idle GC's lines (heap before and after), for the figures printed.
        Files.writeString(base.resolve("resources/jetty-logging.properties"), "\norg.wsproxy.server.IdleGc.LEVEL=DEBUG\n",
            StandardOpenOption.APPEND);
        jetty = JettyHomeProcess.start(Path.of(JettyHomeProcess.requiredProperty("jetty.home")), base,
            "jetty.http.port=0", "wsproxy.war=" + JettyHomeProcess.requiredProperty("wsproxy.war"),
            "wsproxy.idleGcInterval=" + IDLE_GC_INTERVAL_MS);
    }

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            closeAll();
            if (jetty != null)
                jetty.close();
        }
        finally
        {
            backend.stop();
        }
    }

    @Test
    void residentMemoryComesBackOnceTheProxyIsQuiet() throws Exception
    {
        int port = jetty.awaitPort(Duration.ofSeconds(120));
        long pid = jetty.serverPid();
        assertEquals(200, get(port));
        // Start-up's own quiet interval (and its idle GC, where there is one) is part of "after start-up".
        Thread.sleep(3 * IDLE_GC_INTERVAL_MS);
        long startup = rss(pid);

        long peak = startup;
        for (int round = 1; round <= ROUNDS; round++)
        {
            for (int opened = 0; opened < CONNECTIONS; opened += BATCH)
            {
                open(port, Math.min(BATCH, CONNECTIONS - opened));
                peak = Math.max(peak, rss(pid));
            }
            peak = Math.max(peak, rss(pid));
            closeAll();
        }
        long loadEnded = System.nanoTime();
        peak = Math.max(peak, rss(pid));
        System.out.printf("MEMORY-IT after start-up: RSS %d MiB; %d rounds of %d WebSockets opened %d at a time, then dropped (%d refused%s): peak %d MiB%n",
            startup / MIB, ROUNDS, CONNECTIONS, BATCH, refused, firstRefusal == null ? "" : ", first: " + firstRefusal, peak / MIB);

        long goal = Math.min((long)(startup * GOAL), startup + (peak - startup) / 2);
        long rss = rss(pid);
        long deadline = loadEnded + RETURN_BOUND.toNanos();
        while (rss > goal && System.nanoTime() < deadline)
        {
            Thread.sleep(500);
            rss = rss(pid);
        }
        long afterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loadEnded);
        System.out.printf("MEMORY-IT %d ms after the load: RSS %d MiB (%.2fx start-up; goal %d MiB: within %.1fx of start-up and half of the peak's growth given back)%n",
            afterMs, rss / MIB, rss / (double)startup, goal / MIB, GOAL);
        jetty.log().lines().filter(line -> line.contains("IdleGc")).forEach(line -> System.out.println("MEMORY-IT " + line));
        long end = rss;
        long top = peak;
        assertTrue(top - startup >= MIN_GROWTH, () -> "the load grew the RSS by only " + (top - startup) / MIB + " MiB: not a test");
        assertTrue(end <= goal, () -> "RSS " + end / MIB + " MiB " + RETURN_BOUND.toSeconds() + " s after the load, start-up " + startup / MIB +
            " MiB, peak " + top / MIB + " MiB\n" + jetty.log());
        assertTrue(jetty.log().contains("a full GC after " + IDLE_GC_INTERVAL_MS + " ms quiet"), jetty::log);
    }

    private static int get(int port) throws Exception
    {
        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/time")).timeout(TIMEOUT).build();
        return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Opens {@code count} WebSockets through the proxy to the backend's echo, all requests first, then every answer. */
    private void open(int port, int count) throws IOException
    {
        List<Socket> batch = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            Socket socket = new Socket("127.0.0.1", port);
            sockets.add(socket);
            batch.add(socket);
            socket.setSoTimeout((int)TIMEOUT.toMillis());
            socket.getOutputStream().write(UPGRADE);
        }
        for (Socket socket : batch)
        {
            String status;
            try
            {
                status = responseHead(socket.getInputStream());
            }
            catch (IOException x)
            {
                status = x.toString();
            }
            // On a loaded machine some backend handshakes time out (504): the load is there to grow the
            // proxy's memory, and the test checks that it did.
            if (!status.startsWith("HTTP/1.1 101"))
            {
                refused++;
                if (firstRefusal == null)
                    firstRefusal = status;
            }
        }
    }

    /** Reads a response's head up to the blank line; returns its status line. */
    private static String responseHead(InputStream in) throws IOException
    {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n"))
        {
            int b = in.read();
            if (b < 0)
                throw new IOException("closed after " + head);
            head.append((char)b);
        }
        return head.substring(0, head.indexOf("\r\n"));
    }

    private void closeAll()
    {
        for (Socket socket : sockets)
        {
            try
            {
                socket.close();
            }
            catch (IOException ignored)
            {
                // Closing is all that is wanted.
            }
        }
        sockets.clear();
    }

    /** VmRSS of the process, in bytes. */
    private static long rss(long pid) throws IOException
    {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")))
        {
            if (line.startsWith("VmRSS:"))
                return Long.parseLong(line.substring("VmRSS:".length()).trim().split("\\s+")[0]) * 1024;
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }
}
