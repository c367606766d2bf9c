package org.wsproxy.upstream;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.testing.LogCapture;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * https:// and wss:// backends through the real webapp, against a real TLS backend whose self-signed certificate
 * is made here with the JDK's keytool: refused by default (502 for a request, 502 for an upgrade), accepted with a
 * trust store holding it, accepted with trust-all (and a WARN at start), and refused when the certificate is
 * trusted but names another host.
 */
public class BackendTlsTest
{
    private static final String PASSWORD = "changeit-tls";
    private static final String[] UPGRADE = {"GET /ws/echo HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "Connection: close"};

    @TempDir
    static Path keys;
    /** A key store for 127.0.0.1, and a trust store holding its certificate. */
    private static Path rightKeys;
    private static Path rightTrust;
    /** A key store whose certificate names only elsewhere.example, and a trust store holding it. */
    private static Path otherKeys;
    private static Path otherTrust;

    private TestBackend backend;
    private ProxyServer proxy;
    private WebSocketClient client;

    @BeforeAll
    public static void makeCertificates() throws Exception
    {
        rightKeys = keys.resolve("right.p12");
        rightTrust = keys.resolve("right-trust.p12");
        selfSigned(rightKeys, rightTrust, "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost");
        otherKeys = keys.resolve("other.p12");
        otherTrust = keys.resolve("other-trust.p12");
        selfSigned(otherKeys, otherTrust, "CN=elsewhere.example", "SAN=dns:elsewhere.example");
    }

    private static void selfSigned(Path keyStore, Path trustStore, String dname, String san) throws Exception
    {
        Path certificate = keyStore.resolveSibling(keyStore.getFileName() + ".crt");
        keytool("-genkeypair", "-alias", "backend", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname", dname, "-ext", san,
            "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", "backend", "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "backend", "-file", certificate.toString(),
            "-storetype", "PKCS12", "-keystore", trustStore.toString(), "-storepass", PASSWORD);
    }

    private static void keytool(String... args) throws Exception
    {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean exited = keytool.waitFor(30, TimeUnit.SECONDS);
        String output = new String(keytool.getInputStream().readAllBytes());
        if (!exited)
            keytool.destroyForcibly();
        assertTrue(exited && keytool.exitValue() == 0, () -> "keytool " + String.join(" ", args) + " failed: " + output);
    }

    @BeforeEach
    public void startClient() throws Exception
    {
        client = new WebSocketClient();
        client.start();
    }

    private void start(Path backendKeys, String... params) throws Exception
    {
        backend = new TestBackend("tls").tls(backendKeys, PASSWORD).start();
        proxy = new ProxyServer().route("main", "/", backend.url());
        for (int i = 0; i < params.length; i += 2)
            proxy.param(params[i], params[i + 1]);
        proxy.start();
    }

    @AfterEach
    public void stop() throws Exception
    {
        client.stop();
        if (proxy != null)
            proxy.stop();
        if (backend != null)
            backend.stop();
    }

    private int get() throws Exception
    {
        return RawHttp.exchange(proxy.port(), "GET /http/x HTTP/1.1", "Host: 127.0.0.1", "Connection: close").status();
    }

    private void assertRelays() throws Exception
    {
        RawHttp.Response response = RawHttp.exchange(proxy.port(), "GET /http/x HTTP/1.1", "Host: 127.0.0.1", "Connection: close");
        assertEquals(200, response.status());
        assertTrue(response.body().startsWith("backend=tls"), response.body());
        Recorder recorder = new Recorder();
        Session session = client.connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(10, TimeUnit.SECONDS);
        session.sendText("over wss", Callback.NOOP);
        assertEquals("over wss", recorder.nextText());
        session.close(1000, "bye", Callback.NOOP);
        assertEquals("1000 bye", recorder.awaitClose());
    }

    @Test
    public void selfSignedBackendIsRefusedByDefault() throws Exception
    {
        start(rightKeys);
        assertEquals(502, get());
        assertEquals(502, RawHttp.exchange(proxy.port(), UPGRADE).status());
    }

    @Test
    public void backendIsAcceptedWithATrustStoreHoldingItsCertificate() throws Exception
    {
        start(rightKeys, "wsproxy.backendTrustStore", rightTrust.toString(), "wsproxy.backendTrustStorePassword", PASSWORD);
        assertRelays();
    }

    @Test
    public void backendIsAcceptedWithTrustAllAndAWarnAtStart() throws Exception
    {
        try (LogCapture log = new LogCapture())
        {
            start(rightKeys, "wsproxy.backendTrustAll", "true");
            assertFalse(log.lines("WARN").stream().filter(line -> line.contains("wsproxy.backendTrustAll=true")).toList().isEmpty(),
                "no WARN about backendTrustAll");
        }
        assertRelays();
    }

    @Test
    public void trustedCertificateForAnotherHostIsRefused() throws Exception
    {
        start(otherKeys, "wsproxy.backendTrustStore", otherTrust.toString(), "wsproxy.backendTrustStorePassword", PASSWORD);
        assertEquals(502, get());
        assertEquals(502, RawHttp.exchange(proxy.port(), UPGRADE).status());
    }

    @Test
    public void trustStoreThatDoesNotOpenFailsTheDeployment() throws Exception
    {
        backend = new TestBackend("tls").tls(rightKeys, PASSWORD).start();
        proxy = new ProxyServer().route("main", "/", backend.url())
            .param("wsproxy.backendTrustStore", rightTrust.toString())
            .param("wsproxy.backendTrustStorePassword", "wrong-password");
        Exception failure = assertThrows(Exception.class, proxy::start);
        String messages = "";
        for (Throwable t = failure; t != null; t = t.getCause())
            messages += t.getMessage() + "\n";
        assertTrue(messages.contains("bad parameter wsproxy.backendTrustStore = ") && messages.contains("opens with wsproxy.backendTrustStorePassword"), messages);
    }
    @Test
    public void healthProbesCheckTheCertificateToo() throws Exception
    {
        TestBackend trusted = new TestBackend("tls").tls(rightKeys, PASSWORD).start();
        TestBackend untrusted = new TestBackend("tls-untrusted").tls(otherKeys, PASSWORD).start();
        try
        {
            proxy = new ProxyServer().pool("p", trusted.url() + " " + untrusted.url()).poolRoute("main", "/", "p")
                .param("wsproxy.pool.p.healthCheck", "http")
                .param("wsproxy.pool.p.healthCheckPath", "/health")
                .param("wsproxy.pool.p.healthCheckInterval", "100ms")
                .param("wsproxy.pool.p.healthCheckFall", "2")
                .param("wsproxy.backendTrustStore", rightTrust.toString())
                .param("wsproxy.backendTrustStorePassword", PASSWORD)
                .start();
            Pool pool = proxy.pools().get("p");
            Endpoint good = pool.endpoints().stream().filter(e -> e.uri().getPort() == trusted.port()).findFirst().orElseThrow();
            Endpoint bad = pool.endpoints().stream().filter(e -> e.uri().getPort() == untrusted.port()).findFirst().orElseThrow();
            // The untrusted one fails its TLS handshake (no probe reaches its handler) and is marked down.
            TestBackend.awaitTrue(() -> !bad.isUp(), 10_000);
            TestBackend.awaitTrue(() -> trusted.healthProbes.get() >= 3, 10_000);
            assertTrue(good.isUp());
            assertEquals(0, untrusted.healthProbes.get());
        }
        finally
        {
            trusted.stop();
            untrusted.stop();
        }
    }
}
