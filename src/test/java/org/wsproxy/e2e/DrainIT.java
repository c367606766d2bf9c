package org.wsproxy.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.demo.DemoBackend;
import org.wsproxy.demo.JettyBases;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * SIGTERM to the Jetty of the shipped jetty-base, running the real WAR: a live WebSocket session is closed with
 * 1001 {@code Going Away: proxy restarting} (after wsproxy.drainTimeout, 1 s here) rather than losing its TCP
 * connection, because the base's graceful module makes the stop drain before it closes connections.
 * <p>{@code -Ddrain.it.base=DIR} runs it against another jetty base (e.g. one from before the change): there
 * the client's connection is dropped and the test fails.</p>
 */
class DrainIT
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private DemoBackend backend;
    private JettyHomeProcess jetty;
    private HttpClient client;
    private ExecutorService executor;

    @BeforeEach
    void start() throws Exception
    {
        backend = new DemoBackend();
        backend.start(0);
        executor = Executors.newCachedThreadPool();
        client = HttpClient.newBuilder().executor(executor).build();
        Path source = Path.of(System.getProperty("drain.it.base", JettyHomeProcess.requiredProperty("jetty.base.src")));
        Path base = JettyBases.copy(source, tmp.resolve("jetty-base"));
        JettyBases.pointBackendsAt(base, "http://127.0.0.1:" + backend.getPort());
        JettyBases.addContextParam(base, "wsproxy.drainTimeout", "1s");
        JettyBases.addContextParam(base, "wsproxy.drainSpread", "0s");
        jetty = JettyHomeProcess.start(Path.of(JettyHomeProcess.requiredProperty("jetty.home")), base,
            "jetty.http.port=0", "wsproxy.war=" + JettyHomeProcess.requiredProperty("wsproxy.war"));
    }

    @AfterEach
    void stop() throws Exception
    {
        try
        {
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
    void sigtermClosesALiveSessionWith1001() throws Exception
    {
        int port = jetty.awaitPort(Duration.ofSeconds(60));
        JdkWebSocketRecorder recorder = new JdkWebSocketRecorder();
        WebSocket webSocket = client.newWebSocketBuilder().connectTimeout(TIMEOUT)
            .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/echo"), recorder).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        webSocket.sendText("before the stop", true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals("before the stop", recorder.nextText(TIMEOUT));

        // What `kill PID` or an orchestrator does: SIGTERM to the JVM running the server, which runs Jetty's stop.
        ProcessHandle server = ProcessHandle.of(jetty.serverPid()).orElseThrow();
        server.destroy();

        assertEquals("1001 Going Away: proxy restarting", recorder.closed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS),
            () -> "Jetty's log:\n" + jetty.log());
        server.onExit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
}
