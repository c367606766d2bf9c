package org.wsproxy.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.demo.DemoBackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The same built WAR in jetty-home 12.1.12 with the ee11 environment (the ee10 modules' ee11 twins):
 * it deploys, and relays HTTP and WebSocket (text, binary, close code and reason). One start. Before
 * websocket/ServletEnvironment and WEB-INF/jetty-ee11-web.xml, the deployment failed with a
 * NoClassDefFoundError (ee10's ServletContextHandler), then with HostCheck's refusal.
 */
class Ee11DeploymentIT
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private DemoBackend backend;
    private JettyHomeProcess jetty;
    private ExecutorService clientExecutor;

    @AfterEach
    void stopAll() throws Exception
    {
        try
        {
            if (jetty != null)
                jetty.close();
        }
        finally
        {
            if (backend != null)
                backend.stop();
            if (clientExecutor != null)
            {
                clientExecutor.shutdownNow();
                clientExecutor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    @Test
    void httpAndWebSocketThroughEe11() throws Exception
    {
        backend = new DemoBackend();
        backend.start(0);
        clientExecutor = Executors.newCachedThreadPool();
        HttpClient client = HttpClient.newBuilder().executor(clientExecutor).connectTimeout(TIMEOUT).build();
        Path home = Path.of(JettyHomeProcess.requiredProperty("jetty.home"));
        Path war = Path.of(JettyHomeProcess.requiredProperty("wsproxy.war"));
        if (!Files.isRegularFile(war))
            fail(war + " does not exist: run `mvn verify`, which packages it before the integration tests");
        jetty = JettyHomeProcess.start(home, MinimalBase.create(tmp.resolve("base"), "ee11", war, "http://127.0.0.1:" + backend.getPort()), "jetty.http.port=0");
        int port = jetty.awaitPort(START_TIMEOUT);

        HttpResponse<String> time = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/time")).timeout(TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, time.statusCode(), () -> time.body() + "\n" + jetty.log());
        assertTrue(time.body().contains("\"server\":\"wsproxy-demo-backend\""), time::body);

        JdkWebSocketRecorder listener = new JdkWebSocketRecorder();
        WebSocket webSocket = client.newWebSocketBuilder().connectTimeout(TIMEOUT)
            .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/echo"), listener)
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        webSocket.sendText("hello through ee11", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("hello through ee11", listener.nextText(TIMEOUT));
        byte[] bytes = {0, 1, 2, (byte)0xFE, (byte)0xFF};
        webSocket.sendBinary(ByteBuffer.wrap(bytes), true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertArrayEquals(bytes, listener.nextBinary(TIMEOUT));
        webSocket.sendClose(4001, "bye").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("4001 bye", listener.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(jetty.logLines().stream().noneMatch(line -> line.contains("ERROR")), jetty::log);
    }
}
