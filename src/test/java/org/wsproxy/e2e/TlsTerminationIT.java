package org.wsproxy.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.demo.DemoBackend;
import org.wsproxy.demo.JettyBases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS termination (the reference guide's wss:// setup) in a stock jetty-home: the committed jetty-base
 * plus jetty-home's own {@code https} and {@code http2} modules, enabled on the command line as an
 * operator would in start.d. Clients speak TLS to the proxy, the proxy speaks plain HTTP/WebSocket to the
 * backend. Over HTTP/2 the client's WebSocket is an RFC 8441 extended CONNECT, which has no Upgrade
 * header: the proxy routes it by path.
 */
class TlsTerminationIT
{
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String PASSWORD = "wsproxy-test";

    @TempDir
    Path tmp;

    private DemoBackend backend;
    private JettyHomeProcess jetty;
    private ExecutorService clientExecutor;
    private WebSocketClient h2Client;

    @BeforeEach
    void start() throws Exception
    {
        backend = new DemoBackend();
        backend.start(0);
        clientExecutor = Executors.newCachedThreadPool();

        Path keyStore = tmp.resolve("keystore.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "wsproxy", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
            "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
            "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
            .redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(30, TimeUnit.SECONDS) && keytool.exitValue() == 0, () -> "keytool failed: " + output(keytool));

        Path base = JettyBases.copy(Path.of(JettyHomeProcess.requiredProperty("jetty.base.src")), tmp.resolve("jetty-base"));
        JettyBases.pointBackendsAt(base, "http://127.0.0.1:" + backend.getPort());
        Files.createDirectories(base.resolve("work"));
        jetty = JettyHomeProcess.start(Path.of(JettyHomeProcess.requiredProperty("jetty.home")), base,
            "--module=https,http2", "jetty.http.port=0", "jetty.ssl.port=0",
            "jetty.sslContext.keyStorePath=" + keyStore, "jetty.sslContext.keyStorePassword=" + PASSWORD,
            "wsproxy.war=" + JettyHomeProcess.requiredProperty("wsproxy.war"));
        jetty.awaitPort(Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            if (h2Client != null)
                h2Client.stop();
            if (jetty != null)
                jetty.close();
        }
        finally
        {
            backend.stop();
            clientExecutor.shutdownNow();
            clientExecutor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void wssAndHttpsAreTerminatedAndTheBackendIsToldTheClientUsedHttps() throws Exception
    {
        int port = jetty.connectorPort("SSL");
        HttpClient client = HttpClient.newBuilder().executor(clientExecutor).sslContext(trustAll()).connectTimeout(TIMEOUT).build();

        HttpResponse<String> time = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/time")).timeout(TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, time.statusCode(), () -> time.body() + "\n" + jetty.log());
        assertTrue(time.body().contains("\"xForwardedProto\":\"https\""), time::body);

        JdkWebSocketRecorder recorder = new JdkWebSocketRecorder();
        WebSocket webSocket = client.newWebSocketBuilder().connectTimeout(TIMEOUT)
            .buildAsync(URI.create("wss://127.0.0.1:" + port + "/ws/echo"), recorder).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        webSocket.sendText("over wss", true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("over wss", recorder.nextText(TIMEOUT));
        webSocket.sendClose(4001, "bye").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("4001 bye", recorder.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void webSocketOverHttp2ExtendedConnectIsRelayed() throws Exception
    {
        int port = jetty.connectorPort("SSL");
        ClientConnector connector = new ClientConnector();
        SslContextFactory.Client ssl = new SslContextFactory.Client(true);
        connector.setSslContextFactory(ssl);
        HttpClientTransport transport = new HttpClientTransportOverHTTP2(new HTTP2Client(connector));
        h2Client = new WebSocketClient(new org.eclipse.jetty.client.HttpClient(transport));
        h2Client.start();

        EchoRecorder recorder = new EchoRecorder();
        Session session = h2Client.connect(recorder, URI.create("wss://127.0.0.1:" + port + "/ws/echo")).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("HTTP/2.0", session.getUpgradeRequest().getHttpVersion(), "the client did not use HTTP/2");
        session.sendText("over h2", Callback.NOOP);
        assertEquals("over h2", recorder.text.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        session.close(4001, "bye", Callback.NOOP);
        assertEquals("4001 bye", recorder.closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        // The access line is written once both hops have closed, just after the client saw its close.
        String relayed = "ws://127.0.0.1:" + backend.getPort() + "/ws/echo";
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (jetty.logLines().stream().noneMatch(line -> line.contains(relayed)) && System.nanoTime() < deadline)
            Thread.sleep(50);
        assertTrue(jetty.logLines().stream().anyMatch(line -> line.contains(relayed)),
            "no relay of the HTTP/2 WebSocket in the access log:\n" + jetty.log());
    }

    public static class EchoRecorder extends Session.Listener.AbstractAutoDemanding
    {
        final CompletableFuture<String> text = new CompletableFuture<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();

        @Override
        public void onWebSocketText(String message)
        {
            text.complete(message);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback)
        {
            closed.complete(statusCode + " " + reason);
            callback.succeed();
        }
    }

    /** The test's certificate is self-signed: trusted here, and only here. */
    private static SSLContext trustAll() throws Exception
    {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[]{new X509TrustManager()
        {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType)
            {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
            {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers()
            {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        return context;
    }

    private static String output(Process process)
    {
        try
        {
            return new String(process.getInputStream().readAllBytes());
        }
        catch (Exception x)
        {
            return x.toString();
        }
    }

}
