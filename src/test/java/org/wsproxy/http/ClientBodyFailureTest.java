package org.wsproxy.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttpBackend;
import org.wsproxy.testing.Recorder;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;
import org.wsproxy.upstream.Endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client's broken request body is the client's failure, not the backend's: a bad chunk size gets 400 (as
 * nginx answers), an upload the client abandons gets nothing, and neither counts against the backend that
 * was receiving it. Before, both were reported to the pool as a backend failure: 502 for the bad chunk, and
 * the (healthy) backend ejected, so the next requests got 503. Raw sockets through the real webapp, on a route
 * that also takes WebSocket upgrades, with two backends so that each of them meets a broken body.
 */
public class ClientBodyFailureTest
{
    private static final int WAIT_MS = 20_000;
    private static final String BAD_CHUNK = "POST /http/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n";
    private static final String ABORTED_HEAD = "POST /http/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n";

    private final Started started = new Started();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    public void stopAll() throws Exception
    {
        started.stopAll();
    }

    private ProxyServer proxyOnTwoBackends(TestBackend b1, TestBackend b2, String requestBufferSize) throws Exception
    {
        return started.proxy(new ProxyServer().route("main", "/", b1.url() + ", " + b2.url()).param("wsproxy.requestBufferSize", requestBufferSize));
    }

    /** Each test twice: with the body buffered before a backend is chosen (the default), and streamed to it from the start. */
    @ParameterizedTest(name = "requestBufferSize {0}")
    @ValueSource(strings = {"1MiB", "0B"})
    public void badChunkSizeGets400AndLeavesTheBackendsInService(String requestBufferSize) throws Exception
    {
        TestBackend b1 = started.backend("b1");
        TestBackend b2 = started.backend("b2");
        ProxyServer proxy = proxyOnTwoBackends(b1, b2, requestBufferSize);

        List<String> statuses = new ArrayList<>();
        for (int i = 0; i < 2; i++)
            statuses.add(statusLine(proxy.port(), BAD_CHUNK));
        awaitNothingInFlight(proxy);
        System.out.println("requestBufferSize " + requestBufferSize + ", bad chunk size: " + statuses + "; pool after: " + describe(proxy));
        for (String status : statuses)
            assertEquals("HTTP/1.1 400 Bad Request", status);
        assertBackendsUntouchedAndServing(proxy);
    }

    @ParameterizedTest(name = "requestBufferSize {0}")
    @ValueSource(strings = {"1MiB", "0B"})
    public void abortedUploadCountsAgainstNoBackend(String requestBufferSize) throws Exception
    {
        TestBackend b1 = started.backend("b1");
        TestBackend b2 = started.backend("b2");
        ProxyServer proxy = proxyOnTwoBackends(b1, b2, requestBufferSize);

        for (int i = 0; i < 2; i++)
        {
            try (Socket socket = connect(proxy.port()))
            {
                socket.getOutputStream().write((ABORTED_HEAD + "0123456789").getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
                // Long enough for the proxy to have started the request; then the client is gone.
                Thread.sleep(200);
            }
        }
        awaitNothingInFlight(proxy);
        System.out.println("requestBufferSize " + requestBufferSize + ", aborted uploads: pool after: " + describe(proxy));
        assertBackendsUntouchedAndServing(proxy);
    }

    @ParameterizedTest(name = "requestBufferSize {0}")
    @ValueSource(strings = {"1MiB", "0B"})
    public void backendDroppingAnUploadStillCountsAgainstIt(String requestBufferSize) throws Exception
    {
        // The control: a failure on the backend's side of an upload is the backend's, 502 and ejected as before.
        RawHttpBackend dropping = new RawHttpBackend().start();
        started.push(dropping::stop);
        dropping.response = new byte[0];
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", dropping.url()).param("wsproxy.requestBufferSize", requestBufferSize));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/upload")))
            .timeout(Duration.ofMillis(WAIT_MS)).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000])).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(502, response.statusCode());
        awaitNothingInFlight(proxy);
        Endpoint endpoint = proxy.pools().get("route:main").endpoints().get(0);
        System.out.println("requestBufferSize " + requestBufferSize + ", backend dropping an upload: " + response.statusCode() + "; pool after: " + describe(proxy));
        assertEquals(1, endpoint.failures());
        assertTrue(endpoint.isEjected());
    }

    private void assertBackendsUntouchedAndServing(ProxyServer proxy) throws Exception
    {
        for (Endpoint endpoint : proxy.pools().get("route:main").endpoints())
        {
            assertFalse(endpoint.isEjected(), endpoint.describe());
            assertEquals(0, endpoint.failures(), endpoint.describe());
        }
        List<Integer> next = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo?i=" + i)))
                .timeout(Duration.ofMillis(WAIT_MS)).build(), HttpResponse.BodyHandlers.ofString());
            next.add(response.statusCode());
        }
        System.out.println("next normal requests: " + next);
        assertEquals(List.of(200, 200, 200, 200), next);
        // The route also takes upgrades: both backends still do.
        for (int i = 0; i < 2; i++)
        {
            Recorder recorder = new Recorder();
            Session session = started.webSocketClient().connect(recorder, URI.create(proxy.wsUrl("/ws/echo"))).get(WAIT_MS, TimeUnit.MILLISECONDS);
            session.close();
            recorder.awaitClose();
        }
    }

    /** The proxy has ended every request it had started on the backends (leases released). */
    private static void awaitNothingInFlight(ProxyServer proxy) throws InterruptedException
    {
        TestBackend.awaitTrue(() -> proxy.pools().get("route:main").endpoints().stream().allMatch(e -> e.requests() == 0), WAIT_MS);
    }

    private static String describe(ProxyServer proxy)
    {
        return proxy.pools().get("route:main").endpoints().stream().map(Endpoint::describe).toList().toString();
    }

    private static Socket connect(int port) throws IOException
    {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), WAIT_MS);
        socket.setSoTimeout(WAIT_MS);
        return socket;
    }

    /** Sends {@code request} on a new connection and returns the response's status line. */
    private static String statusLine(int port, String request) throws IOException
    {
        try (Socket socket = connect(port))
        {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != '\n'; )
            {
                if (b < 0)
                    return "(closed without a response" + (line.size() > 0 ? " after " + line : "") + ")";
                if (b != '\r')
                    line.write(b);
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
