package org.wsproxy.e2e;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.demo.DemoBackend;
import org.wsproxy.demo.JettyBases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 7 item 8, in the shipped jetty-base: clients that send their request a byte at a time are cut off at
 * the header deadline (wsproxy.headerTimeout, 2 s here), a normal request is served meanwhile, and the
 * proxy's thread count stays bounded both when the proxy closes them all at once and when the clients
 * drop them all at once half-way through their headers (Jetty's answer to each such request used to run on
 * a thread made for it: 113 threads with maxThreads=32).
 * <p>The thread count is the server JVM's ({@code Threads:} of /proc/PID/status), sampled every 20 ms;
 * the bound is what the JVM ran before the load apart from the pool, plus the pool's maxThreads (32) and
 * maxUrgentThreads (4), plus 10 for threads the JVM may add (JIT compiler threads). Figures are printed
 * (lines {@code HEADER-TIMEOUT}); times are asserted only against generous bounds.</p>
 * <p>{@code -Dheader.it.base=DIR} runs it against another jetty base (e.g. one from before the change), to
 * get the "before" figures: its assertions then fail, after the figures are printed.</p>
 */
class HeaderTimeoutIT
{
    private static final int CONNECTIONS = Integer.getInteger("header.it.connections", 300);
    private static final long HEADER_TIMEOUT_MS = 2000;
    private static final int MAX_THREADS = 32;
    private static final int MAX_URGENT_THREADS = 4;
    private static final int JVM_SLACK = 10;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SLOW_BUT_IN_TIME = Duration.ofMillis(HEADER_TIMEOUT_MS / 2);
    // A request line and then a header that never ends: the headers are never complete.
    private static final byte[] SLOW_REQUEST = ("GET /api/time HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(4000))
        .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private DemoBackend backend;
    private JettyHomeProcess jetty;
    private ExecutorService executor;
    private HttpClient client;
    private final List<SocketChannel> channels = new ArrayList<>();
    private RawConnection keptAlive;

    @BeforeEach
    void start() throws Exception
    {
        backend = new DemoBackend();
        backend.start(0);
        executor = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().executor(executor).connectTimeout(TIMEOUT).build();
        Path source = Path.of(System.getProperty("header.it.base", JettyHomeProcess.requiredProperty("jetty.base.src")));
        Path base = JettyBases.copy(source, tmp.resolve("jetty-base"));
        JettyBases.pointBackendsAt(base, "http://127.0.0.1:" + backend.getPort());
        jetty = JettyHomeProcess.start(Path.of(JettyHomeProcess.requiredProperty("jetty.home")), base,
            "jetty.http.port=0", "wsproxy.war=" + JettyHomeProcess.requiredProperty("wsproxy.war"),
            "wsproxy.headerTimeout=" + HEADER_TIMEOUT_MS);
    }

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            closeAll();
            if (keptAlive != null)
                keptAlive.close();
            if (jetty != null)
                jetty.close();
        }
        finally
        {
            backend.stop();
            executor.shutdownNow();
            executor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void slowHeadersAreCutOffAtTheDeadlineWithBoundedThreads() throws Exception
    {
        int port = jetty.awaitPort(Duration.ofSeconds(60));
        assertEquals(200, get(port));
        long pid = jetty.serverPid();
        Thread.sleep(500);
        int idle = threads(pid);
        int bound = idle - poolThreads(pid) + MAX_THREADS + MAX_URGENT_THREADS + JVM_SLACK;

        // 1. The clients drop their half-sent requests all at once, before the deadline.
        ThreadSampler sampler = ThreadSampler.start(pid);
        open(port);
        long sent = drip(Duration.ofMillis(1000));
        closeAll();
        Thread.sleep(1000);
        int maxWhenClientsLeft = sampler.stop();
        System.out.printf("HEADER-TIMEOUT clients drop %d half-sent requests at once (after %d bytes each): threads %d before, at most %d after (bound %d)%n",
            CONNECTIONS, sent, idle, maxWhenClientsLeft, bound);

        // 2. The clients hold on, a byte at a time: the proxy closes them at the deadline. Meanwhile a normal
        // request is served, so is a request sent slowly but whole within the deadline, and a kept-alive
        // connection idle between two requests for longer than the deadline is left alone (that is the idle
        // timeout's business).
        keptAlive = new RawConnection(port);
        assertEquals(200, keptAlive.request(Duration.ZERO));
        long keptAliveSince = System.nanoTime();
        sampler = ThreadSampler.start(pid);
        long opened = System.nanoTime();
        open(port);
        AtomicInteger slowButInTime = new AtomicInteger();
        Thread slow = inBackground("slow-but-in-time", () ->
        {
            try (RawConnection connection = new RawConnection(port))
            {
                slowButInTime.set(connection.request(SLOW_BUT_IN_TIME));
            }
        }, slowButInTime);
        AtomicInteger normalStatus = new AtomicInteger();
        AtomicInteger normalMs = new AtomicInteger(-1);
        Thread normal = inBackground("normal-request", () ->
        {
            Thread.sleep(HEADER_TIMEOUT_MS / 2);
            long begin = System.nanoTime();
            normalStatus.set(get(port));
            normalMs.set((int)TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        }, normalStatus);
        List<Long> closedAfterMs = dripUntilClosed(opened, Duration.ofMillis(HEADER_TIMEOUT_MS + 8000));
        normal.join(TIMEOUT.toMillis());
        slow.join(TIMEOUT.toMillis());
        int maxWhenCut = sampler.stop();
        long keptAliveIdleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - keptAliveSince);
        int keptAliveAgain = keptAlive.request(Duration.ZERO);
        long first = closedAfterMs.stream().mapToLong(Long::longValue).min().orElse(-1);
        long last = closedAfterMs.stream().mapToLong(Long::longValue).max().orElse(-1);
        System.out.printf("HEADER-TIMEOUT proxy cuts %d slow requests (deadline %d ms): %d closed by the proxy%s; " +
                "normal GET meanwhile %d in %d ms; GET sent over %d ms: %d; kept-alive connection idle %d ms, then: %d; threads at most %d (bound %d)%n",
            CONNECTIONS, HEADER_TIMEOUT_MS, closedAfterMs.size(), closedAfterMs.isEmpty() ? "" : ", " + first + "-" + last + " ms after they opened",
            normalStatus.get(), normalMs.get(), SLOW_BUT_IN_TIME.toMillis(), slowButInTime.get(), keptAliveIdleMs, keptAliveAgain, maxWhenCut, bound);

        assertTrue(maxWhenClientsLeft <= bound, () -> "threads " + maxWhenClientsLeft + " > " + bound + " when the clients left");
        assertEquals(CONNECTIONS, closedAfterMs.size(), "connections closed by the proxy");
        assertTrue(first >= HEADER_TIMEOUT_MS - 500, "closed before the deadline: " + first + " ms");
        assertTrue(last <= HEADER_TIMEOUT_MS + 3000, "closed too late: " + last + " ms");
        assertTrue(maxWhenCut <= bound, () -> "threads " + maxWhenCut + " > " + bound + " when the proxy cut them off");
        assertEquals(200, normalStatus.get(), "the normal request during the attack");
        assertEquals(200, slowButInTime.get(), "a request sent slowly but whole within the deadline");
        assertTrue(keptAliveIdleMs > HEADER_TIMEOUT_MS, "the kept-alive connection idled " + keptAliveIdleMs + " ms");
        assertEquals(200, keptAliveAgain, "a kept-alive connection idle between requests for longer than the deadline");
        assertTrue(jetty.log().contains("request line and headers must arrive within " + HEADER_TIMEOUT_MS + " ms"), jetty::log);
    }

    private interface Action
    {
        void run() throws Exception;
    }

    /** Runs {@code action} on a thread of its own; a failure sets {@code status} to -1. */
    private static Thread inBackground(String name, Action action, AtomicInteger status)
    {
        Thread thread = new Thread(() ->
        {
            try
            {
                action.run();
            }
            catch (Exception x)
            {
                status.set(-1);
            }
        }, name);
        thread.start();
        return thread;
    }

    private int get(int port) throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/time")).timeout(TIMEOUT).build();
        return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private void open(int port) throws IOException
    {
        for (int i = 0; i < CONNECTIONS; i++)
        {
            SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            channel.configureBlocking(false);
            channels.add(channel);
        }
    }

    /** Sends every open connection one more byte of its request every 100 ms, for {@code duration}; returns the bytes sent to each. */
    private long drip(Duration duration) throws Exception
    {
        long end = System.nanoTime() + duration.toNanos();
        int next = 0;
        while (System.nanoTime() < end && next < SLOW_REQUEST.length)
        {
            for (SocketChannel channel : channels)
            {
                try
                {
                    channel.write(ByteBuffer.wrap(SLOW_REQUEST, next, 1));
                }
                catch (IOException x)
                {
                    // Closed by the proxy: not expected before the deadline, and the count of phase 2 shows it.
                }
            }
            next++;
            Thread.sleep(100);
        }
        return next;
    }

    /**
     * Sends a byte every 100 ms to every connection still open and watches for the proxy closing them (a read
     * of -1 or a reset); returns, for each closed one, the milliseconds since {@code opened}.
     */
    private List<Long> dripUntilClosed(long opened, Duration bound) throws Exception
    {
        List<Long> closedAfter = new ArrayList<>();
        List<SocketChannel> open = new ArrayList<>(channels);
        ByteBuffer sink = ByteBuffer.allocate(1024);
        long end = opened + bound.toNanos();
        int next = 0;
        while (!open.isEmpty() && System.nanoTime() < end)
        {
            for (SocketChannel channel : List.copyOf(open))
            {
                boolean closed;
                try
                {
                    sink.clear();
                    closed = channel.read(sink) < 0;
                    if (!closed && next < SLOW_REQUEST.length)
                        channel.write(ByteBuffer.wrap(SLOW_REQUEST, next, 1));
                }
                catch (IOException x)
                {
                    closed = true;
                }
                if (closed)
                {
                    closedAfter.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened));
                    open.remove(channel);
                }
            }
            next++;
            Thread.sleep(100);
        }
        return closedAfter;
    }

    private void closeAll()
    {
        for (SocketChannel channel : channels)
        {
            try
            {
                channel.close();
            }
            catch (IOException ignored)
            {
                // Closing is all that is wanted.
            }
        }
        channels.clear();
    }

    static int threads(long pid)
    {
        try
        {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")))
            {
                if (line.startsWith("Threads:"))
                    return Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        catch (IOException | NumberFormatException x)
        {
            // The process is gone or /proc is not Linux's: no figure.
        }
        return -1;
    }

    /** Threads of Jetty's pool (named qtp<hash>-N by Jetty), from /proc/PID/task/TID/comm. */
    private static int poolThreads(long pid) throws IOException
    {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task")))
        {
            return (int)tasks.filter(task ->
            {
                try
                {
                    return Files.readString(task.resolve("comm")).startsWith("qtp");
                }
                catch (IOException x)
                {
                    return false;
                }
            }).count();
        }
    }

    /** A kept-alive HTTP/1.1 connection driven by hand: a GET sent in pieces, its response read whole. */
    private static final class RawConnection implements AutoCloseable
    {
        private static final byte[] GET = "GET /api/time HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: raw\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private final Socket socket;
        private final InputStream in;

        RawConnection(int port) throws IOException
        {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int)TIMEOUT.toMillis());
            in = new BufferedInputStream(socket.getInputStream());
        }

        /** Sends the GET in 5 pieces spread over {@code over}, then returns the response's status (-1: closed). */
        int request(Duration over) throws Exception
        {
            OutputStream out = socket.getOutputStream();
            int pieces = over.isZero() ? 1 : 5;
            int size = (GET.length + pieces - 1) / pieces;
            for (int offset = 0; offset < GET.length; offset += size)
            {
                if (offset > 0)
                    Thread.sleep(over.toMillis() / (pieces - 1));
                out.write(GET, offset, Math.min(size, GET.length - offset));
                out.flush();
            }
            String statusLine = line();
            if (statusLine == null)
                return -1;
            long length = -1;
            boolean chunked = false;
            for (String header = line(); header != null && !header.isEmpty(); header = line())
            {
                String lower = header.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:"))
                    length = Long.parseLong(lower.substring("content-length:".length()).trim());
                else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked"))
                    chunked = true;
            }
            if (chunked)
            {
                for (long chunk = Long.parseLong(line().trim(), 16); chunk > 0; chunk = Long.parseLong(line().trim(), 16))
                {
                    in.readNBytes((int)chunk);
                    line();
                }
                line();
            }
            else if (length > 0)
            {
                in.readNBytes((int)length);
            }
            return Integer.parseInt(statusLine.split(" ")[1]);
        }

        private String line() throws IOException
        {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0; b = in.read())
            {
                if (b == '\n')
                    return line.toString().replace("\r", "");
                line.append((char)b);
            }
            return line.length() == 0 ? null : line.toString();
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }

    /** The highest thread count of a process, sampled every 20 ms on a thread of its own. */
    private static final class ThreadSampler
    {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger max = new AtomicInteger();
        private final Thread thread;

        private ThreadSampler(long pid)
        {
            thread = new Thread(() ->
            {
                while (running.get())
                {
                    max.accumulateAndGet(threads(pid), Math::max);
                    try
                    {
                        Thread.sleep(20);
                    }
                    catch (InterruptedException x)
                    {
                        return;
                    }
                }
            }, "thread-sampler");
            thread.setDaemon(true);
        }

        static ThreadSampler start(long pid)
        {
            ThreadSampler sampler = new ThreadSampler(pid);
            sampler.thread.start();
            return sampler;
        }

        int stop() throws InterruptedException
        {
            running.set(false);
            thread.join(TIMEOUT.toMillis());
            return max.get();
        }
    }
}
