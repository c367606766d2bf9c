package org.wsproxy.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttpBackend;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Slow uploaders cannot take a backend's connections away from other clients: 300 clients each send a POST with
 * {@code Content-Length: 100000} and one byte of it, then stall, while the proxy may keep at most 8 connections
 * to the backend; a GET from another client must still be answered at once. Before, the proxy opened a backend
 * connection for each upload as soon as its head arrived, the 8 connections were held by the stalled bodies, and
 * the GET waited behind them (nginx reads a body before it opens the backend connection).
 */
public class SlowUploadTest
{
    private static final int UPLOADERS = 300;
    private static final int WAIT_MS = 20_000;
    /** The GET's bound: generous (a loaded 2-core machine), yet far below anything a stalled upload would release. */
    private static final Duration GET_BOUND = Duration.ofSeconds(5);

    private final Started started = new Started();
    private final List<Socket> sockets = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    @TempDir
    Path dir;

    @AfterEach
    public void stopAll() throws Exception
    {
        for (Socket socket : sockets)
            socket.close();
        started.stopAll();
    }

    /** The servlet's maxConnectionsPerBackend, through an override descriptor as jetty-base sets it. */
    private Path maxConnectionsPerBackend(int max) throws IOException
    {
        Path file = dir.resolve("override-web.xml");
        Files.writeString(file, """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
              <servlet>
                <servlet-name>wsproxy-http</servlet-name>
                <init-param><param-name>maxConnectionsPerBackend</param-name><param-value>%d</param-value></init-param>
              </servlet>
            </web-app>
            """.formatted(max));
        return file;
    }

    /** Opens a connection, sends a POST head announcing {@code length} bytes and the first {@code sent} of them, and leaves it there. */
    private Socket stalledUpload(int port, int length, int sent) throws IOException
    {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), WAIT_MS);
        socket.setSoTimeout(WAIT_MS);
        String head = "POST /http/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().write(new byte[sent]);
        socket.getOutputStream().flush();
        return socket;
    }

    @Test
    public void stalledUploadsDoNotHoldTheBackendsConnections() throws Exception
    {
        TestBackend backend = started.backend("b1");
        // All the uploaders share 127.0.0.1: the per-address limit is lifted here to show what buffering alone does.
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url())
            .param("wsproxy.maxUploadsPerClient", "1000")
            .overrideDescriptor(maxConnectionsPerBackend(8)));
        // A warm-up GET, so that the measured one does not pay for the first connection and the JIT's first pass.
        assertEquals(200, get(proxy).statusCode());

        long opening = System.nanoTime();
        for (int i = 0; i < UPLOADERS; i++)
            stalledUpload(proxy.port(), 100_000, 1);
        long openedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opening);
        // Let the proxy take in every head (before the fix: one backend request each, 8 of them on connections).
        Thread.sleep(500);

        List<String> latencies = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            long start = System.nanoTime();
            HttpResponse<String> response;
            try
            {
                response = get(proxy);
            }
            catch (HttpTimeoutException x)
            {
                fail(UPLOADERS + " stalled uploads: a GET from another client got no answer within " + GET_BOUND.toMillis() + " ms");
                return;
            }
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
            latencies.add(String.format("%.1f ms", micros / 1000.0));
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(micros < GET_BOUND.toNanos() / 1000);
        }
        System.out.printf("%d stalled uploads (opened in %d ms), maxConnectionsPerBackend 8: GETs from another client answered 200 in %s%n",
            UPLOADERS, openedMs, latencies);
        assertTrue(backend.httpRequests.stream().noneMatch(line -> line.startsWith("POST")), "a stalled upload reached the backend");
    }

    @Test
    public void uploadsOverThePerClientLimitGet429AtOnce() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()).param("wsproxy.maxUploadsPerClient", "4"));
        // Five uploads at once from one address: the proxy takes them in concurrently, so which one is refused is
        // not known beforehand; exactly one is, at once.
        long start = System.nanoTime();
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < 5; i++)
            held.add(stalledUpload(proxy.port(), 100_000, 1));
        Socket refused = firstAnswered(held);
        String head = head(refused);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        held.remove(refused);
        System.out.printf("5 uploads at once from one address (maxUploadsPerClient 4): one answered %s in %d ms%n", head.lines().findFirst().orElse(""), millis);
        assertTrue(head.startsWith("HTTP/1.1 429 "), head);
        assertTrue(head.contains("\r\nRetry-After: 1\r\n"), head);
        Thread.sleep(200);
        for (Socket socket : held)
            assertEquals(0, socket.getInputStream().available(), "more than one upload was answered");
        // Requests without a body are not counted.
        assertEquals(200, get(proxy).statusCode());

        // One upload ends (its client goes away): the address may start another.
        held.get(0).close();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        int status = 0;
        while (status != 200 && System.nanoTime() < deadline)
        {
            status = http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo"))).timeout(GET_BOUND)
                .POST(HttpRequest.BodyPublishers.ofString("payload")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
            if (status != 200)
                Thread.sleep(50);
        }
        assertEquals(200, status);
    }

    @Test
    public void silentUploaderGets408AfterTheBodyTimeoutWithoutReachingTheBackend() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()).param("wsproxy.clientBodyTimeout", "500ms"));
        long start = System.nanoTime();
        String head = head(stalledUpload(proxy.port(), 1000, 10));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("an upload silent after 10 of 1000 bytes (clientBodyTimeout 500ms, buffered): %s after %d ms%n", head.lines().findFirst().orElse(""), millis);
        assertTrue(head.startsWith("HTTP/1.1 408 "), head);
        assertTrue(backend.httpRequests.isEmpty(), backend.httpRequests.toString());
        assertEquals(0, proxy.pools().get("route:main").endpoints().get(0).failures());
    }

    @Test
    public void bodiesLongerThanTheBufferAreStreamedAndHoldAConnectionOnlyUntilTheBodyTimeout() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url())
            .param("wsproxy.requestBufferSize", "1KiB").param("wsproxy.clientBodyTimeout", "1s")
            .overrideDescriptor(maxConnectionsPerBackend(2)));
        assertEquals(200, get(proxy).statusCode());
        // Two uploads past the buffer: streamed, each holding one of the two connections, then silent.
        List<Socket> uploads = List.of(stalledUpload(proxy.port(), 100_000, 2048), stalledUpload(proxy.port(), 100_000, 2048));
        TestBackend.awaitTrue(() -> backend.httpRequests.stream().filter(line -> line.startsWith("POST")).count() == 2, WAIT_MS);

        long start = System.nanoTime();
        HttpResponse<String> response = get(proxy);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        List<String> heads = new ArrayList<>();
        for (Socket upload : uploads)
            heads.add(head(upload).lines().findFirst().orElse(""));
        System.out.printf("2 streamed uploads silent on both connections (requestBufferSize 1KiB, clientBodyTimeout 1s): a GET answered %d after %d ms; uploads got %s; pool %s%n",
            response.statusCode(), millis, heads, proxy.pools().get("route:main").endpoints().get(0).describe());
        assertEquals(200, response.statusCode());
        assertEquals(List.of("HTTP/1.1 408 Request Timeout", "HTTP/1.1 408 Request Timeout"), heads);
        assertEquals(0, proxy.pools().get("route:main").endpoints().get(0).failures());
    }

    @Test
    public void backendIdleWhileTheStreamingClientIsSilentIsNotTheBackendsFailure() throws Exception
    {
        // readTimeout (the backend request's idle time) ends first here: the backend connection was idle only
        // because the client sent nothing more. The client's failure, not the backend's.
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url())
            .param("wsproxy.requestBufferSize", "1KiB").param("wsproxy.readTimeout", "500ms"));
        String head = head(stalledUpload(proxy.port(), 100_000, 2048));
        System.out.printf("a streamed upload silent past readTimeout 500ms: %s; pool %s%n", head.lines().findFirst().orElse(""),
            proxy.pools().get("route:main").endpoints().get(0).describe());
        assertTrue(head.startsWith("HTTP/1.1 408 "), head);
        assertEquals(0, proxy.pools().get("route:main").endpoints().get(0).failures());
        assertEquals(200, get(proxy).statusCode());
    }

    @Test
    public void uploadAnsweredEarlyByTheBackendNoLongerCountsAsInProgress() throws Exception
    {
        // The backend refuses a streamed upload before reading it: the answer reaches the client, and the upload
        // stops counting against its address (else one such answer would leave the address at its limit).
        RawHttpBackend backend = new RawHttpBackend().start();
        started.push(backend::stop);
        backend.answerBeforeBody = true;
        backend.response = RawHttpBackend.raw("HTTP/1.1 413 Payload Too Large", "Content-Length: 0", "Connection: close", "", "");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url())
            .param("wsproxy.requestBufferSize", "0B").param("wsproxy.maxUploadsPerClient", "1"));
        List<String> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            Socket upload = stalledUpload(proxy.port(), 100_000, 1024);
            statuses.add(head(upload).lines().findFirst().orElse(""));
            // No pause: the proxy ends the body's reading before it completes the answer.
            upload.close();
        }
        System.out.println("streamed uploads answered early by the backend, maxUploadsPerClient 1: " + statuses);
        assertEquals(java.util.Collections.nCopies(3, "HTTP/1.1 413 Payload Too Large"), statuses);
    }

    @Test
    public void expect100ContinueIsAnsweredByTheProxyAndTheBodyArrivesWhole() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = started.proxy(new ProxyServer().route("main", "/", backend.url()));
        try (Socket socket = new Socket())
        {
            sockets.add(socket);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()), WAIT_MS);
            socket.setSoTimeout(WAIT_MS);
            socket.getOutputStream().write(("POST /http/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String interim = head(socket);
            assertTrue(interim.startsWith("HTTP/1.1 100 "), interim);
            socket.getOutputStream().write("hello".getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String head = head(socket);
            assertTrue(head.startsWith("HTTP/1.1 200 "), head);
            int length = Integer.parseInt(head.replaceAll("(?s).*\r\nContent-Length: (\\d+)\r\n.*", "$1"));
            String body = new String(socket.getInputStream().readNBytes(length), StandardCharsets.UTF_8);
            assertTrue(body.contains("body-length=5\n"), body);
            assertTrue(body.contains("Content-Length: 5\n"), body);
            assertTrue(!body.toLowerCase(java.util.Locale.ROOT).contains("expect:"), body);
        }
    }

    /** The first of the sockets with bytes to read, looked at every 10 ms for {@link #WAIT_MS} at most. */
    private static Socket firstAnswered(List<Socket> sockets) throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() < deadline)
        {
            for (Socket socket : sockets)
            {
                if (socket.getInputStream().available() > 0)
                    return socket;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("none of " + sockets.size() + " uploads was answered within " + WAIT_MS + " ms");
    }

    /** Reads one response head (up to the blank line) from the socket. */
    private static String head(Socket socket) throws IOException
    {
        java.io.InputStream in = socket.getInputStream();
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        for (int last4 = 0; last4 != 0x0D0A0D0A; )
        {
            int b = in.read();
            if (b < 0)
                throw new IOException("closed within a response head: " + head.toString(StandardCharsets.ISO_8859_1));
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Uploads whose clients leave as the server stops do not hold the stop: Jetty closes its connectors before its
     * contexts, a request cut that way never completes its async context, and the webapp's drain waited its whole
     * bound (46 s) for them before it noticed the connectors were closed.
     */
    @Test
    public void uploadsCutByTheStopDoNotHoldIt() throws Exception
    {
        TestBackend backend = started.backend("b1");
        ProxyServer proxy = new ProxyServer().route("main", "/", backend.url()).start();
        long millis;
        try
        {
            for (int i = 0; i < 3; i++)
                stalledUpload(proxy.port(), 100_000, 10);
            assertEquals(200, get(proxy).statusCode());
        }
        finally
        {
            long start = System.nanoTime();
            for (Socket socket : sockets)
                socket.close();
            proxy.stop();
            millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
        System.out.printf("stopped as 3 uploads' clients left: %d ms%n", millis);
        assertTrue(millis < 20_000, "the webapp's stop waited " + millis + " ms for requests cut by the stop");
    }

    private HttpResponse<String> get(ProxyServer proxy) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo"))).timeout(GET_BOUND).build(),
            HttpResponse.BodyHandlers.ofString());
    }
}
