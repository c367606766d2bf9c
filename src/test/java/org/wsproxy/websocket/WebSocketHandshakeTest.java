package org.wsproxy.websocket;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the client's upgrade is answered when the backend or the request itself is not right. */
public class WebSocketHandshakeTest
{
    private final List<TestBackend> backends = new ArrayList<>();
    private ProxyServer proxy;
    private WebSocketClient client;

    @BeforeEach
    public void startClient() throws Exception
    {
        client = new WebSocketClient();
        client.start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        client.stop();
        if (proxy != null)
            proxy.stop();
        for (TestBackend backend : backends)
            backend.stop();
    }

    private TestBackend backend(String name) throws Exception
    {
        TestBackend backend = new TestBackend(name).start();
        backends.add(backend);
        return backend;
    }

    private int upgradeStatus(String path)
    {
        ExecutionException failure = assertThrows(ExecutionException.class,
            () -> client.connect(new Recorder(), URI.create(proxy.wsUrl(path))).get(20, TimeUnit.SECONDS));
        assertTrue(failure.getCause() instanceof UpgradeException, failure.toString());
        return ((UpgradeException)failure.getCause()).getResponseStatusCode();
    }

    static String deadBackendUrl() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Test
    public void refusedBackendGives502() throws Exception
    {
        proxy = new ProxyServer().route("main", "/", deadBackendUrl()).start();
        assertEquals(502, upgradeStatus("/ws/echo"));
    }

    @Test
    public void backendHandshakeTimeoutGives504() throws Exception
    {
        TestBackend slow = backend("slow");
        proxy = new ProxyServer().route("main", "/", slow.url()).param("wsproxy.connectTimeout", "500ms").start();
        assertEquals(504, upgradeStatus("/ws/slow?ms=3000"));
    }

    @Test
    public void backendRefusalStatusIsPassedToTheClient() throws Exception
    {
        TestBackend b = backend("b");
        proxy = new ProxyServer().route("main", "/", b.url()).start();
        assertEquals(403, upgradeStatus("/ws/reject"));
    }

    @Test
    public void deadBackendIsSkippedAndLiveOnesShareTheLoad() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        proxy = new ProxyServer().route("main", "/", deadBackendUrl() + " " + b1.url() + " " + b2.url()).start();
        Map<String, Integer> served = new HashMap<>();
        for (int i = 0; i < 20; i++)
        {
            Recorder recorder = new Recorder();
            Session session = client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
            served.merge(session.getUpgradeResponse().getHeader("X-Backend"), 1, Integer::sum);
            session.close();
            recorder.awaitClose();
        }
        assertEquals(20, served.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(Map.of("b1", 10, "b2", 10), served);
    }

    @Test
    public void malformedUpgradeRequestsAreRefusedWithoutBotheringTheBackend() throws Exception
    {
        TestBackend b = backend("b");
        proxy = new ProxyServer().route("main", "/", b.url()).start();
        assertEquals(400, rawUpgradeStatus("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"));
        assertEquals(400, rawUpgradeStatus("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n"));
        assertEquals(426, rawUpgradeStatus("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
        assertEquals(400, rawUpgradeStatus("Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
        assertTrue(b.handshakes.isEmpty(), "the backend saw a handshake: " + b.handshakes);
        assertEquals(101, rawUpgradeStatus("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    }

    private int rawUpgradeStatus(String headers) throws Exception
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) >= 0 && c != '\n'; )
                line.append((char)c);
            return Integer.parseInt(line.toString().split(" ")[1]);
        }
    }

    /**
     * Handshakes waiting on a slow backend hold no request thread: with a pool far smaller than the number
     * of pending handshakes, a plain GET is still answered while every handshake is still pending.
     */
    @Test
    public void pendingBackendHandshakesDoNotHoldRequestThreads() throws Exception
    {
        TestBackend slow = backend("slow");
        proxy = new ProxyServer().maxThreads(16).route("main", "/", slow.url()).param("wsproxy.connectTimeout", "30s").start();
        int pending = 40;
        List<CompletableFuture<Session>> upgrades = new ArrayList<>();
        for (int i = 0; i < pending; i++)
            upgrades.add(client.connect(new Recorder(), URI.create(proxy.wsUrl("/ws/slow?ms=4000"))));
        TestBackend.awaitTrue(() -> slow.handshakes.size() == pending, 10_000);

        long start = System.nanoTime();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo"))).timeout(java.time.Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        System.out.printf("GET answered in %d ms with %d handshakes pending on a 16-thread proxy%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), pending);
        assertFalse(upgrades.stream().anyMatch(CompletableFuture::isDone), "a handshake finished before the GET was answered");
        for (CompletableFuture<Session> upgrade : upgrades)
            upgrade.get(20, TimeUnit.SECONDS).close();
    }

    @Test
    public void independentClientJdkWebSocketRelaysThroughTheProxy() throws Exception
    {
        TestBackend b = backend("b");
        proxy = new ProxyServer().route("main", "/", b.url()).start();
        CompletableFuture<String> text = new CompletableFuture<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        java.net.http.WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
            .subprotocols("v2.jdk")
            .buildAsync(URI.create(proxy.wsUrl("/ws/echo")), new java.net.http.WebSocket.Listener()
            {
                @Override
                public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket webSocket, CharSequence data, boolean last)
                {
                    text.complete(data.toString());
                    webSocket.request(1);
                    return null;
                }

                @Override
                public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket webSocket, int statusCode, String reason)
                {
                    closed.complete(statusCode + " " + reason);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
        assertEquals("v2.jdk", ws.getSubprotocol());
        ws.sendText("from the JDK client", true).get(5, TimeUnit.SECONDS);
        assertEquals("from the JDK client", text.get(10, TimeUnit.SECONDS));
        ws.sendClose(4001, "bye").get(5, TimeUnit.SECONDS);
        assertEquals("4001 bye", closed.get(10, TimeUnit.SECONDS));
        assertEquals("4001 bye", b.closes.poll(10, TimeUnit.SECONDS));
    }
}
