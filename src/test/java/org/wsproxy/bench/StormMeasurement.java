package org.wsproxy.bench;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.wsproxy.demo.JettyBases;
import org.wsproxy.e2e.JettyHomeProcess;

/**
 * The reconnect storm, measured on demand ({@code mvn -Pstorm package}, README "Reconnect storms"): N clients hold
 * WebSocket sessions through wsproxy (the WAR in jetty-home, as the benchmark runs it) to one backend
 * ({@link StormBackend}, whose handshakes cost {@code --handshake-ms} on {@code --backend-capacity} workers); the
 * backend is killed, all sessions end; it is restarted on the same port, and then every client reconnects at the
 * same moment. Clients retry a failed handshake after the 503's Retry-After, or else after an exponential back-off
 * (1, 2, 4, 8 s, each ±50 %), and give up after {@code --give-up}. Printed per {@code maxHandshakes} value: the
 * backend's peak of handshakes held at once, the time until every client is back (and until half are), failed
 * handshake attempts by status, and clients that gave up.
 * <p>Flags, with their defaults: {@code --clients 5000 --caps 0,64 --queue 10000 --queue-timeout 30s
 * --backend-capacity 8 --handshake-ms 10 --give-up 180s}.</p>
 */
public final class StormMeasurement
{
    private static final Set<String> FLAGS = Set.of("clients", "caps", "queue", "queue-timeout", "backend-capacity", "handshake-ms", "give-up");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final int BATCH = 250;

    private StormMeasurement()
    {
    }

    public static void main(String[] args) throws Exception
    {
        Flags flags = Flags.forMain("storm.args", args);
        flags.rejectUnknown(FLAGS);
        Path jettyHome = Path.of(JettyHomeProcess.requiredProperty("jetty.home"));
        Path jettyBase = Path.of(System.getProperty("jetty.base", "jetty-base"));
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        PrintStream out = System.out;
        Settings settings = new Settings(flags.integer("clients", 5000), flags.integer("queue", 10000), flags.duration("queue-timeout", Duration.ofSeconds(30)),
            flags.integer("backend-capacity", 8), flags.integer("handshake-ms", 10), flags.duration("give-up", Duration.ofSeconds(180)));
        out.println("wsproxy reconnect storm on " + Benchmark.Machine.describe(Path.of(System.getProperty("java.home")), null) +
            ", load average " + Files.readString(Path.of("/proc/loadavg")).trim());
        out.printf("%d clients; backend: %d workers x %d ms per handshake (at most %d handshakes/s); handshakeQueue %d, handshakeQueueTimeout %s%n",
            settings.clients, settings.backendCapacity, settings.handshakeMs, settings.backendCapacity * 1000 / settings.handshakeMs,
            settings.queue, settings.queueTimeout);
        List<String> rows = new ArrayList<>();
        for (String cap : flags.string("caps", "0,64").split(","))
        {
            Path workDir = Files.createTempDirectory("wsproxy-storm");
            try
            {
                rows.add(run(Integer.parseInt(cap.trim()), settings, jettyHome, jettyBase, war, workDir, out));
            }
            finally
            {
                JettyBases.delete(workDir);
            }
        }
        out.println();
        out.println("| maxHandshakes | backend peak concurrent handshakes | all back after | half back after | failed handshakes (by status) | gave up |");
        out.println("|---|---|---|---|---|---|");
        rows.forEach(out::println);
        System.exit(0);
    }

    record Settings(int clients, int queue, Duration queueTimeout, int backendCapacity, int handshakeMs, Duration giveUp)
    {
    }

    private static String run(int cap, Settings settings, Path jettyHome, Path jettyBaseSource, Path war, Path workDir, PrintStream out) throws Exception
    {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            port = probe.getLocalPort();
        }
        String backendUrl = "http://127.0.0.1:" + port;
        JavaProcess backend = startBackend(port, settings);
        Path base = proxyBase(jettyBaseSource, workDir, "storm", backendUrl, Map.of(
            "maxHandshakes", Integer.toString(cap),
            "handshakeQueue", Integer.toString(settings.queue),
            "handshakeQueueTimeout", settings.queueTimeout.toMillis() + "ms"));
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
        List<HttpClient> https = new ArrayList<>();
        for (int i = 0; i < 4; i++)
            https.add(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build());
        try (JettyHomeProcess jetty = JettyHomeProcess.start(Path.of(System.getProperty("java.home")), jettyHome, base, false,
            "jetty.http.port=0", "jetty.http.acceptQueueSize=8192", "wsproxy.war=" + war))
        {
            int proxyPort = jetty.awaitPort(START_TIMEOUT);
            URI uri = URI.create("ws://127.0.0.1:" + proxyPort + "/ws/echo");
            out.printf("%nmaxHandshakes=%d: wsproxy pid %d on %d, backend on %d%n", cap, jetty.serverPid(), proxyPort, port);

            List<Client> clients = new ArrayList<>();
            for (int i = 0; i < settings.clients; i++)
                clients.add(new Client(https.get(i % https.size()), uri, timers, settings.giveUp));
            // The sessions before the restart, opened a batch at a time: this is not the storm.
            for (int i = 0; i < clients.size(); i += BATCH)
            {
                List<CompletableFuture<Void>> batch = new ArrayList<>();
                for (Client client : clients.subList(i, Math.min(clients.size(), i + BATCH)))
                    batch.add(client.connect(System.nanoTime()));
                CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            }
            long before = clients.stream().filter(c -> c.failures.get() > 0).count();
            out.printf("  %d sessions open (%d needed a retry)%n", clients.size(), before);

            // The backend dies; every session ends.
            CountDownLatch ended = new CountDownLatch(clients.size());
            clients.forEach(c -> c.onEnd(ended::countDown));
            backend.close();
            if (!ended.await(120, TimeUnit.SECONDS))
                throw new IllegalStateException(ended.getCount() + " sessions did not end after the backend was killed");
            out.println("  backend killed, all sessions ended");
            backend = startBackend(port, settings);
            clients.forEach(Client::reset);

            // The storm: everyone at once.
            long t0 = System.nanoTime();
            List<CompletableFuture<Void>> back = new ArrayList<>();
            for (Client client : clients)
                back.add(client.connect(t0));
            CompletableFuture.allOf(back.toArray(CompletableFuture[]::new)).get(settings.giveUp.toSeconds() + 60, TimeUnit.SECONDS);
            List<Long> times = clients.stream().filter(c -> c.backAfter > 0).map(c -> c.backAfter).sorted().toList();
            long gaveUp = clients.stream().filter(c -> c.backAfter <= 0).count();
            Map<String, AtomicInteger> byStatus = new java.util.TreeMap<>();
            for (Client client : clients)
                client.failedBy.forEach((k, v) -> byStatus.computeIfAbsent(k, x -> new AtomicInteger()).addAndGet(v.get()));
            int failed = byStatus.values().stream().mapToInt(AtomicInteger::get).sum();
            String stats = httpGet(https.get(0), backendUrl + "/stats");
            String peak = stats.replaceAll(".*peak=(\\d+).*", "$1").trim();
            String all = times.isEmpty() ? "-" : String.format("%.1f s", times.get(times.size() - 1) / 1e9);
            String half = times.isEmpty() ? "-" : String.format("%.1f s", times.get(times.size() / 2) / 1e9);
            out.printf("  load average %s", Files.readString(Path.of("/proc/loadavg")));
            out.printf("  backend %s; back: %d, gave up: %d; all back after %s, half after %s; failed handshakes %d %s%n",
                stats.trim(), times.size(), gaveUp, all, half, failed, byStatus);
            clients.forEach(Client::abort);
            return String.format("| %s | %s | %s | %s | %d %s | %d |", cap == 0 ? "0 (off)" : Integer.toString(cap), peak, all, half, failed,
                byStatus.isEmpty() ? "" : byStatus.toString(), gaveUp);
        }
        finally
        {
            backend.close();
            timers.shutdownNow();
        }
    }

    /**
     * A copy of the project's jetty-base whose WebSocket route {@code ws} is served by a named pool of
     * {@code backends} with {@code poolParams} (the route's own backends would make a pool with the defaults).
     */
    static Path proxyBase(Path source, Path workDir, String pool, String backends, Map<String, String> poolParams) throws Exception
    {
        Path base = JettyBases.copy(source, workDir.resolve("jetty-base"));
        String first = backends.split(",")[0].trim();
        JettyBases.pointBackendsAt(base, first);
        Path override = base.resolve(JettyBases.OVERRIDE);
        String xml = Files.readString(override, StandardCharsets.UTF_8);
        String routeBackends = "<param-name>wsproxy.route.ws.backends</param-name>";
        int at = xml.indexOf(routeBackends);
        int valueStart = xml.indexOf("<param-value>", at) + "<param-value>".length();
        int valueEnd = xml.indexOf("</param-value>", valueStart);
        xml = xml.substring(0, at) + "<param-name>wsproxy.route.ws.pool</param-name>" + xml.substring(at + routeBackends.length(), valueStart) +
            pool + xml.substring(valueEnd);
        Files.writeString(override, xml, StandardCharsets.UTF_8);
        JettyBases.addContextParam(base, "wsproxy.pools", pool);
        JettyBases.addContextParam(base, "wsproxy.pool." + pool + ".backends", backends);
        for (Map.Entry<String, String> param : poolParams.entrySet())
            JettyBases.addContextParam(base, "wsproxy.pool." + pool + "." + param.getKey(), param.getValue());
        Files.createDirectories(base.resolve("work"));
        return base;
    }

    private static JavaProcess startBackend(int port, Settings settings) throws Exception
    {
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        JavaProcess backend = JavaProcess.start("storm-backend", List.of("-Xmx1g"), StormBackend.class,
            List.of(Integer.toString(port), Integer.toString(settings.backendCapacity), Integer.toString(settings.handshakeMs)), line ->
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
            throw new IllegalStateException("the backend did not start: " + backend.lastLines(), x);
        }
        return backend;
    }

    private static String httpGet(HttpClient http, String url) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** One reconnecting client: connects, retrying as browsers' reconnecting libraries do, until back or given up. */
    private static final class Client implements WebSocket.Listener
    {
        private final HttpClient http;
        private final URI uri;
        private final ScheduledExecutorService timers;
        private final Duration giveUp;
        final AtomicInteger failures = new AtomicInteger();
        final Map<String, AtomicInteger> failedBy = new ConcurrentHashMap<>();
        volatile long backAfter;
        private volatile WebSocket socket;
        private volatile Runnable onEnd = () -> { };
        private final AtomicLong ends = new AtomicLong();

        Client(HttpClient http, URI uri, ScheduledExecutorService timers, Duration giveUp)
        {
            this.http = http;
            this.uri = uri;
            this.timers = timers;
            this.giveUp = giveUp;
        }

        CompletableFuture<Void> connect(long t0)
        {
            CompletableFuture<Void> done = new CompletableFuture<>();
            attempt(t0, 0, done);
            return done;
        }

        private void attempt(long t0, int tries, CompletableFuture<Void> done)
        {
            http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(60)).buildAsync(uri, this).whenComplete((ws, x) ->
            {
                if (x == null)
                {
                    socket = ws;
                    backAfter = System.nanoTime() - t0;
                    done.complete(null);
                    return;
                }
                failures.incrementAndGet();
                Throwable cause = x instanceof java.util.concurrent.CompletionException && x.getCause() != null ? x.getCause() : x;
                long waitMs;
                if (cause instanceof WebSocketHandshakeException handshake)
                {
                    HttpResponse<?> response = handshake.getResponse();
                    failedBy.computeIfAbsent(Integer.toString(response.statusCode()), k -> new AtomicInteger()).incrementAndGet();
                    waitMs = response.headers().firstValue("Retry-After").map(s -> Long.parseLong(s.trim()) * 1000).orElse(backoff(tries));
                }
                else
                {
                    failedBy.computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                    waitMs = backoff(tries);
                }
                if (System.nanoTime() - t0 + waitMs * 1_000_000 > giveUp.toNanos())
                {
                    done.complete(null);
                    return;
                }
                timers.schedule(() -> attempt(t0, tries + 1, done), waitMs, TimeUnit.MILLISECONDS);
            });
        }

        private static long backoff(int tries)
        {
            long base = 1000L << Math.min(3, tries);
            return (long)(base * (0.5 + ThreadLocalRandom.current().nextDouble()));
        }

        void onEnd(Runnable onEnd)
        {
            this.onEnd = onEnd;
        }

        void reset()
        {
            socket = null;
            backAfter = 0;
            failures.set(0);
            failedBy.clear();
            onEnd = () -> { };
        }

        void abort()
        {
            WebSocket ws = socket;
            if (ws != null)
                ws.abort();
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason)
        {
            ended();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error)
        {
            ended();
        }

        private void ended()
        {
            ends.incrementAndGet();
            onEnd.run();
        }
    }
}
