package org.wsproxy.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.wsproxy.demo.JettyBases;
import org.wsproxy.e2e.JettyHomeProcess;

/**
 * The soak, on demand ({@code mvn -Psoak package -Dsoak.args="--sessions 2000 --minutes 10"}, README "Soak"):
 * {@code --sessions} clients hold WebSocket sessions through wsproxy (the WAR in jetty-home, as the benchmark runs
 * it) to a pool of two backends ({@link SoakBackend}) for {@code --minutes}. Each client sends a numbered,
 * checksummed message of a random size from 0 B to {@code --max-size} ({@link SoakMessages}), waits for the
 * backend's numbered, checksummed answer (which says which message it got and whether all came in order and
 * intact), thinks up to twice {@code --think}, and so on; it pings every {@code --ping-every}. Every
 * {@code --kill-every} one backend (in turn) is killed and restarted a second later on the same port: its
 * sessions are cut, their clients reconnect (back-off 1, 2, 4, 8 s ±50 %) to the other. Printed at the end:
 * messages sent and received each way, lost (a message without its answer on a session that was not cut; cut: the
 * proxy closed it with 1014 "backend connection lost", or it ended within 10 s of a kill),
 * those in flight on sessions cut by a kill (counted apart), reordered, duplicated, corrupt, pings and pongs,
 * sessions opened, cut and reconnected, and the proxy's RSS, threads and file descriptors at start, peak, end.
 * Exits 1 when anything was lost, reordered, duplicated or corrupt.
 */
public final class Soak
{
    private static final Set<String> FLAGS = Set.of("sessions", "minutes", "kill-every", "max-size", "think", "ping-every", "reply-timeout");
    /** Generous: on a loaded machine a JVM takes its time to start. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    /** A session ending this long after a kill (or earlier) was cut by it. */
    private static final long KILL_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The proxy's close code to a client whose backend vanished (relay.CloseCodes.BAD_GATEWAY). */
    private static final int BACKEND_LOST = 1014;

    private Soak()
    {
    }

    public static void main(String[] args) throws Exception
    {
        Flags flags = Flags.forMain("soak.args", args);
        flags.rejectUnknown(FLAGS);
        Path jettyHome = Path.of(JettyHomeProcess.requiredProperty("jetty.home"));
        Path jettyBase = Path.of(System.getProperty("jetty.base", "jetty-base"));
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        Path workDir = Files.createTempDirectory("wsproxy-soak");
        try
        {
            boolean clean = new Soak.Run(flags).run(jettyHome, jettyBase, war, workDir, System.out);
            System.exit(clean ? 0 : 1);
        }
        finally
        {
            JettyBases.delete(workDir);
        }
    }

    /** What every client adds to. */
    static final class Counts
    {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong sentBytes = new AtomicLong();
        final AtomicLong ackedByBackend = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicLong receivedBytes = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong inFlightOnCut = new AtomicLong();
        final AtomicLong reordered = new AtomicLong();
        final AtomicLong duplicated = new AtomicLong();
        final AtomicLong corrupt = new AtomicLong();
        final AtomicLong backendSawDisorder = new AtomicLong();
        final AtomicLong pings = new AtomicLong();
        final AtomicLong pongs = new AtomicLong();
        final AtomicLong opened = new AtomicLong();
        final AtomicLong cutByKill = new AtomicLong();
        final AtomicLong cutOther = new AtomicLong();
        final AtomicLong failedHandshakes = new AtomicLong();
        /** How sessions ended that the client did not close: close code and reason, or the error. */
        final ConcurrentMap<String, AtomicLong> ends = new ConcurrentHashMap<>();
    }

    private static final class Run
    {
        private final int sessions;
        private final Duration duration;
        private final Duration killEvery;
        private final int maxSize;
        private final Duration think;
        private final Duration pingEvery;
        private final Duration replyTimeout;
        private final Counts counts = new Counts();
        private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(4);
        private volatile long lastKill;
        private volatile long started = System.nanoTime();
        private volatile PrintStream log = System.out;
        private volatile boolean stopping;

        Run(Flags flags)
        {
            sessions = flags.integer("sessions", 200);
            duration = Duration.ofSeconds(Math.round(Double.parseDouble(flags.string("minutes", "2")) * 60));
            killEvery = flags.duration("kill-every", Duration.ofSeconds(60));
            maxSize = flags.bytes("max-size", 1 << 20);
            think = flags.duration("think", Duration.ofSeconds(1));
            pingEvery = flags.duration("ping-every", Duration.ofSeconds(10));
            replyTimeout = flags.duration("reply-timeout", Duration.ofSeconds(60));
        }

        boolean run(Path jettyHome, Path jettyBaseSource, Path war, Path workDir, PrintStream out) throws Exception
        {
            out.println("wsproxy soak on " + Benchmark.Machine.describe(Path.of(System.getProperty("java.home")), null) +
                ", load average " + Files.readString(Path.of("/proc/loadavg")).trim());
            out.printf("%d sessions for %s, messages 0 B to %d B, think up to %s, ping every %s, a backend killed every %s%n",
                sessions, duration, maxSize, think.multipliedBy(2), pingEvery, killEvery);
            int[] ports = {freePort(), freePort()};
            JavaProcess[] backends = {startBackend(ports[0]), startBackend(ports[1])};
            String urls = "http://127.0.0.1:" + ports[0] + ", http://127.0.0.1:" + ports[1];
            Path base = StormMeasurement.proxyBase(jettyBaseSource, workDir, "soak", urls, Map.of());
            List<HttpClient> https = new ArrayList<>();
            for (int i = 0; i < 4; i++)
                https.add(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build());
            List<Client> clients = new ArrayList<>();
            try (JettyHomeProcess jetty = JettyHomeProcess.start(Path.of(System.getProperty("java.home")), jettyHome, base, false,
                "jetty.http.port=0", "jetty.http.acceptQueueSize=8192", "wsproxy.war=" + war))
            {
                int proxyPort = jetty.awaitPort(START_TIMEOUT);
                long pid = jetty.serverPid();
                URI uri = URI.create("ws://127.0.0.1:" + proxyPort + "/ws/soak");
                Usage usage = new Usage(pid);
                out.printf("wsproxy pid %d on %d; backends on %d and %d; proxy at start: %s%n", pid, proxyPort, ports[0], ports[1], usage.sample());
                timers.scheduleAtFixedRate(usage::sampleQuietly, 2, 2, TimeUnit.SECONDS);

                long start = System.nanoTime();
                started = start;
                log = out;
                for (int i = 0; i < sessions; i++)
                {
                    Client client = new Client(https.get(i % https.size()), uri);
                    clients.add(client);
                    // Spread over the first ten seconds: the start is not the storm.
                    timers.schedule(client::connect, ThreadLocalRandom.current().nextLong(10_000), TimeUnit.MILLISECONDS);
                }
                int next = 0;
                long end = start + duration.toNanos();
                long nextKill = start + killEvery.toNanos();
                while (System.nanoTime() < end)
                {
                    long now = System.nanoTime();
                    if (now >= nextKill)
                    {
                        int victim = next++ % 2;
                        lastKill = System.nanoTime();
                        if (backends[victim] != null)
                            backends[victim].close();
                        out.printf("  %4ds: backend %d killed; %s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), ports[victim], progress());
                        Thread.sleep(1000);
                        try
                        {
                            backends[victim] = startBackend(ports[victim]);
                            out.printf("  %4ds: backend %d restarted%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), ports[victim]);
                        }
                        catch (IllegalStateException x)
                        {
                            // Its clients go to the other one; the next kill of this one starts it again.
                            backends[victim] = null;
                            out.printf("  backend %d did not restart: %s%n", ports[victim], x.getMessage());
                        }
                        nextKill += killEvery.toNanos();
                    }
                    Thread.sleep(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(Math.min(end, nextKill) - System.nanoTime()))));
                }
                stopping = true;
                out.printf("  %4ds: stopping; %s%n", duration.toSeconds(), progress());
                // Each client ends once its message in flight is answered (or the reply timeout passes).
                List<CompletableFuture<Void>> ends = new ArrayList<>();
                for (Client client : clients)
                    ends.add(client.finish());
                CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)).get(replyTimeout.toSeconds() + 30, TimeUnit.SECONDS);
                // The closes were sent; let their handshakes finish before "at end" is sampled.
                Thread.sleep(5000);
                usage.sampleQuietly();
                String atEnd = usage.sample();
                print(out, usage, atEnd);
                return counts.lost.get() == 0 && counts.reordered.get() == 0 && counts.duplicated.get() == 0 && counts.corrupt.get() == 0 &&
                    counts.backendSawDisorder.get() == 0;
            }
            finally
            {
                for (JavaProcess backend : backends)
                {
                    if (backend != null)
                        backend.close();
                }
                timers.shutdownNow();
            }
        }

        private String progress()
        {
            return String.format("sent %d, answered %d, sessions opened %d, cut by kills %d", counts.sent.get(), counts.received.get(),
                counts.opened.get(), counts.cutByKill.get());
        }

        private void print(PrintStream out, Usage usage, String atEnd)
        {
            Counts c = counts;
            out.println();
            out.println("| | |");
            out.println("|---|---|");
            out.printf("| messages client to backend: sent / received by the backend | %d / %d (%.1f MiB sent) |%n", c.sent.get(), c.ackedByBackend.get(), c.sentBytes.get() / 1048576.0);
            out.printf("| messages backend to client: received | %d (%.1f MiB) |%n", c.received.get(), c.receivedBytes.get() / 1048576.0);
            out.printf("| lost (no answer on a session that was not cut) | %d |%n", c.lost.get());
            out.printf("| in flight on sessions cut by a backend kill (not lost by the proxy) | %d |%n", c.inFlightOnCut.get());
            out.printf("| reordered / duplicated / corrupt (either way) | %d / %d / %d |%n", c.reordered.get(), c.duplicated.get(), c.corrupt.get());
            out.printf("| answers saying the backend saw a gap, disorder or corruption | %d |%n", c.backendSawDisorder.get());
            out.printf("| pings / pongs | %d / %d |%n", c.pings.get(), c.pongs.get());
            out.printf("| sessions opened / cut by a kill / cut otherwise / failed handshakes (retried) | %d / %d / %d / %d |%n",
                c.opened.get(), c.cutByKill.get(), c.cutOther.get(), c.failedHandshakes.get());
            out.printf("| how the sessions the client did not close ended | %s |%n", c.ends.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ")));
            out.printf("| proxy RSS, threads, fds at start | %s |%n", usage.first);
            out.printf("| proxy peak | RSS %d MiB, threads %d, fds %d |%n", usage.peakRss / 1024, usage.peakThreads, usage.peakFds);
            out.printf("| proxy at end (sessions closed) | %s |%n", atEnd);
        }

        private JavaProcess startBackend(int port) throws Exception
        {
            long began = System.nanoTime();
            CompletableFuture<Integer> listening = new CompletableFuture<>();
            JavaProcess backend = JavaProcess.start("soak-backend", List.of("-Xmx1g"), SoakBackend.class,
                List.of(Integer.toString(port), Integer.toString(maxSize)), line ->
                {
                    if (line.startsWith("LISTENING "))
                        listening.complete(Integer.parseInt(line.substring(10).trim()));
                });
            try
            {
                listening.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            catch (Exception x)
            {
                backend.close();
                throw new IllegalStateException("a backend did not start in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began) +
                    " ms: " + backend.lastLines(), x);
            }
            return backend;
        }

        /** One client: one session at a time, a message and its answer at a time, reconnecting when cut. */
        private final class Client implements WebSocket.Listener
        {
            private final HttpClient http;
            private final URI uri;
            private final Object lock = new Object();
            private final CompletableFuture<Void> finished = new CompletableFuture<>();
            // Guarded by lock: the current session and where its numbering stands.
            private WebSocket socket;
            private long sentSeq;
            private long receivedSeq;
            private boolean awaiting;
            private long awaitingSince;
            private int tries;
            private int lastSize;
            private long openedAt;
            private java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

            Client(HttpClient http, URI uri)
            {
                this.http = http;
                this.uri = uri;
            }

            void connect()
            {
                if (stopping)
                {
                    finished.complete(null);
                    return;
                }
                http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30)).buildAsync(uri, this).whenComplete((ws, x) ->
                {
                    if (x != null)
                    {
                        counts.failedHandshakes.incrementAndGet();
                        long wait = (long)((1000L << Math.min(3, tries++)) * (0.5 + ThreadLocalRandom.current().nextDouble()));
                        timers.schedule(this::connect, wait, TimeUnit.MILLISECONDS);
                        return;
                    }
                    tries = 0;
                    counts.opened.incrementAndGet();
                    synchronized (lock)
                    {
                        socket = ws;
                        openedAt = System.nanoTime();
                        sentSeq = 0;
                        receivedSeq = 0;
                        awaiting = false;
                        partial = new java.io.ByteArrayOutputStream();
                    }
                    send(ws);
                    schedulePing(ws);
                });
            }

            private void send(WebSocket ws)
            {
                ByteBuffer message;
                synchronized (lock)
                {
                    if (socket != ws)
                        return;
                    if (stopping)
                    {
                        socket = null;
                        ws.sendClose(WebSocket.NORMAL_CLOSURE, "soak over");
                        finished.complete(null);
                        return;
                    }
                    message = SoakMessages.build(++sentSeq, receivedSeq, true, lastSize = SoakMessages.randomSize(maxSize));
                    awaiting = true;
                    awaitingSince = System.nanoTime();
                }
                counts.sent.incrementAndGet();
                counts.sentBytes.addAndGet(message.remaining());
                ws.sendBinary(message, true);
                long seq;
                synchronized (lock)
                {
                    seq = sentSeq;
                }
                timers.schedule(() -> replyOverdue(ws, seq), replyTimeout.toMillis(), TimeUnit.MILLISECONDS);
            }

            private void replyOverdue(WebSocket ws, long seq)
            {
                synchronized (lock)
                {
                    if (socket != ws || !awaiting || sentSeq != seq)
                        return;
                    socket = null;
                    awaiting = false;
                }
                // Not cut, no answer: lost. Said with what helps find why, then start over on a new session.
                counts.lost.incrementAndGet();
                long now = System.nanoTime();
                log.printf("  LOST: message %d (%d B) without an answer for %s, on a session opened at %ds; last kill at %ds; %s%n", seq, lastSize,
                    replyTimeout, TimeUnit.NANOSECONDS.toSeconds(openedAt - started), TimeUnit.NANOSECONDS.toSeconds(lastKill - started), ws);
                ws.abort();
                connect();
            }

            private void schedulePing(WebSocket ws)
            {
                timers.schedule(() ->
                {
                    synchronized (lock)
                    {
                        if (socket != ws)
                            return;
                    }
                    counts.pings.incrementAndGet();
                    ws.sendPing(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
                    schedulePing(ws);
                }, pingEvery.toMillis(), TimeUnit.MILLISECONDS);
            }

            CompletableFuture<Void> finish()
            {
                WebSocket idle = null;
                synchronized (lock)
                {
                    if (socket == null)
                    {
                        // Between sessions: done; a pending reconnect sees stopping.
                        finished.complete(null);
                    }
                    else if (!awaiting)
                    {
                        idle = socket;
                        socket = null;
                    }
                }
                if (idle != null)
                {
                    idle.sendClose(WebSocket.NORMAL_CLOSURE, "soak over");
                    finished.complete(null);
                }
                return finished;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last)
            {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                ByteBuffer whole = null;
                synchronized (lock)
                {
                    partial.write(bytes, 0, bytes.length);
                    if (last)
                    {
                        whole = ByteBuffer.wrap(partial.toByteArray());
                        partial = new java.io.ByteArrayOutputStream();
                    }
                }
                ws.request(1);
                if (whole != null)
                    answered(ws, whole);
                return null;
            }

            private void answered(WebSocket ws, ByteBuffer whole)
            {
                SoakMessages.Message message = SoakMessages.read(whole);
                counts.received.incrementAndGet();
                counts.receivedBytes.addAndGet(whole.remaining());
                long pause;
                synchronized (lock)
                {
                    if (!message.intact())
                        counts.corrupt.incrementAndGet();
                    else if (message.seq() == receivedSeq)
                        counts.duplicated.incrementAndGet();
                    else if (message.seq() < receivedSeq)
                        counts.reordered.incrementAndGet();
                    else if (message.seq() > receivedSeq + 1)
                        counts.lost.addAndGet(message.seq() - receivedSeq - 1);
                    receivedSeq = Math.max(receivedSeq, message.seq());
                    if (message.intact() && message.ack() == sentSeq)
                        counts.ackedByBackend.incrementAndGet();
                    if (message.intact() && !message.ok())
                        counts.backendSawDisorder.incrementAndGet();
                    awaiting = false;
                    pause = (long)(2 * think.toMillis() * ThreadLocalRandom.current().nextDouble());
                }
                if (stopping)
                {
                    send(ws);
                    return;
                }
                timers.schedule(() -> send(ws), pause, TimeUnit.MILLISECONDS);
            }

            @Override
            public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message)
            {
                counts.pongs.incrementAndGet();
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason)
            {
                ended(ws, statusCode + " " + reason, statusCode == BACKEND_LOST && reason.contains("backend connection lost"));
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error)
            {
                ended(ws, error.getClass().getSimpleName(), false);
            }

            /**
             * @param how the close code and reason, or the error
             * @param backendLost the proxy said the backend's connection was lost: in this soak only a kill does that,
             * however long the close took to reach the client on a loaded machine
             */
            private void ended(WebSocket ws, String how, boolean backendLost)
            {
                boolean inFlight;
                synchronized (lock)
                {
                    if (socket != ws)
                        return; // Closed by us.
                    socket = null;
                    inFlight = awaiting;
                    awaiting = false;
                }
                long sinceKill = System.nanoTime() - lastKill;
                boolean byKill = backendLost || sinceKill < KILL_WINDOW_NANOS;
                counts.ends.computeIfAbsent(how, k -> new AtomicLong()).incrementAndGet();
                (byKill ? counts.cutByKill : counts.cutOther).incrementAndGet();
                if (inFlight)
                    (byKill ? counts.inFlightOnCut : counts.lost).incrementAndGet();
                if (inFlight && !byKill)
                    log.printf("  LOST: message %d (%d B) in flight on a session that ended (%s), opened at %ds; last kill %d ms before%n", sentSeq, lastSize,
                        how, TimeUnit.NANOSECONDS.toSeconds(openedAt - started), TimeUnit.NANOSECONDS.toMillis(sinceKill));
                if (stopping)
                    finished.complete(null);
                else
                    connect();
            }
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return probe.getLocalPort();
        }
    }

    /** The proxy process's RSS, threads and open file descriptors, from /proc, with their peaks. */
    static final class Usage
    {
        private final long pid;
        String first;
        volatile long peakRss;
        volatile long peakThreads;
        volatile long peakFds;

        Usage(long pid)
        {
            this.pid = pid;
        }

        synchronized String sample() throws IOException
        {
            long rssKib = 0;
            long threads = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")))
            {
                if (line.startsWith("VmRSS:"))
                    rssKib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                else if (line.startsWith("Threads:"))
                    threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
            long fds;
            try (Stream<Path> list = Files.list(Path.of("/proc", Long.toString(pid), "fd")))
            {
                fds = list.count();
            }
            peakRss = Math.max(peakRss, rssKib);
            peakThreads = Math.max(peakThreads, threads);
            peakFds = Math.max(peakFds, fds);
            String text = String.format("RSS %d MiB, threads %d, fds %d", rssKib / 1024, threads, fds);
            if (first == null)
                first = text;
            return text;
        }

        void sampleQuietly()
        {
            try
            {
                sample();
            }
            catch (IOException ignored)
            {
                // The process is gone; the run reports that elsewhere.
            }
        }
    }
}
