package org.wsproxy.upstream;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Measures failover, and prints the figures (no timing is asserted): three backends behind a header-hash
 * pool, four clients opening WebSocket sessions in a loop (handshake, one echo, close) with keys that all
 * hash to b2; b2 is killed during the load (TestBackend.kill(): listener closed, connections dropped). Every session started after the kill is one that b2 would
 * have served, so the figures are: the time from the kill to the first new session served by another
 * backend, and the share of sessions started after the kill that failed. Run with failover on (the
 * default, maxAttempts 3) and off (maxAttempts 1).
 * <pre>mvn -B test -Dtest=FailoverMeasurementTest</pre>
 */
public class FailoverMeasurementTest
{
    private static final int CLIENTS = 4;
    private static final long BEFORE_MS = 1000;
    private static final long AFTER_MS = 2000;

    private final List<TestBackend> backends = new ArrayList<>();
    private ProxyServer proxy;
    private WebSocketClient client;
    private ExecutorService executor;

    private record Outcome(long startNanos, long endNanos, String backend, boolean ok)
    {
    }

    @BeforeEach
    public void startClient() throws Exception
    {
        client = new WebSocketClient();
        client.start();
        executor = Executors.newFixedThreadPool(CLIENTS);
    }

    @AfterEach
    public void stopAll() throws Exception
    {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
        client.stop();
        if (proxy != null)
            proxy.stop();
        for (TestBackend backend : backends)
            backend.stop();
    }

    private Outcome session(String key)
    {
        long start = System.nanoTime();
        try
        {
            ClientUpgradeRequest upgrade = new ClientUpgradeRequest(URI.create(proxy.wsUrl("/ws/echo")));
            upgrade.setHeader("X-User", key);
            Recorder recorder = new Recorder();
            Session session = client.connect(recorder, upgrade).get(10, TimeUnit.SECONDS);
            String backend = session.getUpgradeResponse().getHeader("X-Backend");
            session.sendText("ping", org.eclipse.jetty.websocket.api.Callback.NOOP);
            // The echo, unless the session is closed first (its backend was killed): then at once, not after a wait.
            String echo = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (echo == null && !recorder.closed.isDone() && System.nanoTime() < deadline)
                echo = recorder.texts.poll(10, TimeUnit.MILLISECONDS);
            session.close();
            return new Outcome(start, System.nanoTime(), backend, "ping".equals(echo));
        }
        catch (Exception x)
        {
            return new Outcome(start, System.nanoTime(), null, false);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 1})
    public void killAHashedBackendUnderLoad(int maxAttempts) throws Exception
    {
        for (String name : List.of("b1", "b2", "b3"))
            backends.add(new TestBackend(name).start());
        proxy = new ProxyServer().pool("chat", backends.get(0).url() + " " + backends.get(1).url() + " " + backends.get(2).url())
            .param("wsproxy.pool.chat.balancer", "header:X-User")
            .param("wsproxy.maxAttempts", Integer.toString(maxAttempts))
            .poolRoute("ws", "/", "chat")
            .start();

        // Keys that hash to b2.
        List<String> keys = new ArrayList<>();
        for (int k = 0; keys.size() < CLIENTS && k < 1000; k++)
        {
            if ("b2".equals(session("user-" + k).backend()))
                keys.add("user-" + k);
        }
        assertEquals(CLIENTS, keys.size());

        List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BEFORE_MS + AFTER_MS);
        List<Future<?>> loops = new ArrayList<>();
        for (String key : keys)
        {
            loops.add(executor.submit(() ->
            {
                while (System.nanoTime() < end)
                    outcomes.add(session(key));
            }));
        }
        Thread.sleep(BEFORE_MS);
        long killed = System.nanoTime();
        backends.get(1).kill();
        long stopped = System.nanoTime();
        for (Future<?> loop : loops)
            loop.get(30, TimeUnit.SECONDS);

        List<Outcome> after = outcomes.stream().filter(o -> o.startNanos() >= stopped).toList();
        long before = outcomes.stream().filter(o -> o.endNanos() < killed).count();
        long failedAfter = after.stream().filter(o -> !o.ok()).count();
        long firstOther = after.stream().filter(o -> o.ok() && !"b2".equals(o.backend()))
            .mapToLong(Outcome::endNanos).min().orElse(-1);
        // In progress on b2 when it was killed (their echo is cut: lost with the backend, failover or not).
        List<Outcome> open = outcomes.stream().filter(o -> o.startNanos() < killed && o.endNanos() >= killed).toList();
        // Started while b2 was stopping: the handshakes that found it dying.
        List<Outcome> stopping = outcomes.stream().filter(o -> o.startNanos() >= killed && o.startNanos() < stopped).toList();
        System.out.printf("FAILOVER maxAttempts=%d: %d sessions before the kill (all on b2: %b); b2 killed (listener closed, connections dropped, server stopped) in %d ms; " +
                "first new session served by another backend %.1f ms after the kill began (%.1f ms after it ended); sessions started after the kill: %d, failed %d (%.2f%%); " +
                "in progress at the kill: %d, failed %d; started during the kill: %d, failed %d%n",
            maxAttempts, before, outcomes.stream().filter(o -> o.endNanos() < killed).allMatch(o -> "b2".equals(o.backend())),
            TimeUnit.NANOSECONDS.toMillis(stopped - killed),
            firstOther < 0 ? -1.0 : (firstOther - killed) / 1e6, firstOther < 0 ? -1.0 : (firstOther - stopped) / 1e6, after.size(), failedAfter, 100.0 * failedAfter / Math.max(1, after.size()),
            open.size(), open.stream().filter(o -> !o.ok()).count(), stopping.size(), stopping.stream().filter(o -> !o.ok()).count());
        assertTrue(firstOther > 0, "no session was served by another backend after the kill");
        if (maxAttempts > 1)
            assertEquals(0, failedAfter, "with failover on, no session started after the kill may fail");
    }
}
