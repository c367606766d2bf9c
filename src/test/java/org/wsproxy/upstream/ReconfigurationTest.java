package org.wsproxy.upstream;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Run-time reconfiguration through the watched pools file, with sessions live across it: backends
 * added, removed, drained and re-weighted without a redeploy and without closing a session; a bad file
 * changes nothing; a deleted file changes nothing.
 */
public class ReconfigurationTest
{
    @TempDir
    Path dir;

    private final Started started = new Started();
    private WebSocketClient client;

    @BeforeEach
    public void startClient() throws Exception
    {
        client = started.webSocketClient();
    }

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private TestBackend backend(String name) throws Exception
    {
        return started.backend(name);
    }

    /** Writes the file the way an editor or a deployment tool should: a new file renamed over the old one. */
    private void write(Path file, String text) throws Exception
    {
        Path tmp = Files.createTempFile(dir, "pools", ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private record Live(Session session, Recorder recorder, String backend)
    {
    }

    private Live open(ProxyServer proxy) throws Exception
    {
        Recorder recorder = new Recorder();
        Session session = client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
        return new Live(session, recorder, session.getUpgradeResponse().getHeader("X-Backend"));
    }

    private static void assertAlive(Live live, String text) throws Exception
    {
        live.session().sendText(text, org.eclipse.jetty.websocket.api.Callback.NOOP);
        assertEquals(text, live.recorder().nextText(), "session on " + live.backend() + " no longer echoes");
    }

    @Test
    public void addRemoveDrainAndReweightWhileSessionsAreLive() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        TestBackend b3 = backend("b3");
        Path file = dir.resolve("wsproxy-pools.properties");
        ProxyServer proxy = new ProxyServer().pool("chat", b1.url() + ", " + b2.url()).poolRoute("ws", "/", "chat")
            .param("wsproxy.poolsFile", file.toString()).param("wsproxy.poolsFileInterval", "100ms");
        started.push(proxy::stop);
        proxy.start();
        Pool pool = proxy.pools().get("chat");

        List<Live> live = new ArrayList<>();
        for (int i = 0; i < 6; i++)
            live.add(open(proxy));
        assertEquals(3, live.stream().filter(l -> l.backend().equals("b1")).count());

        // b1 removed, b2 drained, b3 added with weight 2: one atomic change.
        long version = pool.snapshot().version();
        write(file, "wsproxy.pool.chat.backends = " + b2.url() + " drain, " + b3.url() + " weight=2\n");
        TestBackend.awaitTrue(() -> pool.snapshot().version() > version, 10_000);
        for (int i = 0; i < 4; i++)
        {
            Live fresh = open(proxy);
            assertEquals("b3", fresh.backend());
            live.add(fresh);
        }
        // Not one live session was closed: those on the removed b1 and the drained b2 still echo.
        for (Live l : live)
            assertAlive(l, "after the change, on " + l.backend());
        assertTrue(live.stream().noneMatch(l -> l.recorder().closed.isDone()));

        // b1 back with weight 3, b3 at 1, b2 no longer drained: new sessions follow the weights 3:1:1.
        long version2 = pool.snapshot().version();
        write(file, "wsproxy.pool.chat.backends = " + b1.url() + " weight=3, " + b2.url() + ", " + b3.url() + "\n");
        TestBackend.awaitTrue(() -> pool.snapshot().version() > version2, 10_000);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10; i++)
        {
            Live fresh = open(proxy);
            counts.merge(fresh.backend(), 1, Integer::sum);
            fresh.session().close();
            fresh.recorder().awaitClose();
        }
        assertEquals(Map.of("b1", 6, "b2", 2, "b3", 2), counts);

        // A bad file changes nothing; a deleted one neither.
        long version3 = pool.snapshot().version();
        PoolsFileWatcherProbe watcher = new PoolsFileWatcherProbe(proxy);
        long applied = watcher.applied();
        write(file, "wsproxy.pool.chat.backends = " + b1.url() + " weight=zero\n");
        Thread.sleep(500);
        assertEquals(version3, pool.snapshot().version());
        assertEquals(applied, watcher.applied());
        Files.delete(file);
        Thread.sleep(300);
        assertEquals(version3, pool.snapshot().version());

        for (Live l : live)
            assertAlive(l, "at the end, on " + l.backend());
        for (Live l : live)
        {
            l.session().close();
            assertTrue(l.recorder().awaitClose().startsWith("1000"));
        }
        System.out.println("reconfiguration: " + live.size() + " sessions live across 2 file changes, a bad file and a deleted one, none closed");
    }

    /** Reads the watcher's applied count through the runtime's beans. */
    private record PoolsFileWatcherProbe(ProxyServer proxy)
    {
        long applied()
        {
            org.wsproxy.boot.ProxyRuntime runtime = (org.wsproxy.boot.ProxyRuntime)proxy.context().getServletContext()
                .getAttribute(org.wsproxy.boot.ProxyRuntime.class.getName());
            return runtime.getBean(org.wsproxy.boot.PoolsFileWatcher.class).applied();
        }
    }
}
