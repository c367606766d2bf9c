package org.wsproxy.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsproxy.testing.GatedHttpBackend;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.RawHttp;
import org.wsproxy.testing.Started;
import org.wsproxy.testing.TestBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Plain HTTP through the real webapp to real backends: what is relayed (method, path, query, headers,
 * body, response headers), that bodies stream both ways (shown by the order of events, not by timing),
 * the error statuses, the forwarding headers, Host, hop-by-hop headers, round-robin and polling on a
 * WebSocket route. Most requests use the JDK's HttpClient; where the exact request bytes matter (Host,
 * Connection, Keep-Alive, TE, which that client will not send as given) a raw socket.
 */
public class HttpProxyTest
{
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Everything started by a test, stopped in reverse order. */
    private final Started started = new Started();
    private HttpClient client;

    @BeforeEach
    public void createClient()
    {
        client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
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

    private GatedHttpBackend gatedBackend() throws Exception
    {
        GatedHttpBackend backend = new GatedHttpBackend().start();
        started.push(backend::stop);
        return backend;
    }

    private ProxyServer start(ProxyServer proxy) throws Exception
    {
        return started.proxy(proxy);
    }

    /** A port nothing listens on: bound, then closed. */
    private static int deadPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private HttpResponse<String> get(ProxyServer proxy, String path) throws Exception
    {
        return client.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl(path))).timeout(WAIT).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static String sha256(byte[] bytes) throws Exception
    {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** What TestBackend's pages say about the request they got: backend, request line, headers, body. */
    private record Echo(String backend, String requestLine, Map<String, List<String>> headers, Map<String, String> body)
    {
        static Echo of(String page)
        {
            String[] lines = page.split("\n");
            if (lines.length < 2 || !lines[0].startsWith("backend="))
                throw new AssertionError("not a TestBackend page:\n" + page);
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            Map<String, String> body = new TreeMap<>();
            for (int i = 2; i < lines.length; i++)
            {
                String line = lines[i];
                if (line.startsWith("body-length=") || line.startsWith("body-sha256="))
                {
                    int eq = line.indexOf('=');
                    body.put(line.substring(0, eq), line.substring(eq + 1));
                    continue;
                }
                int colon = line.indexOf(": ");
                if (colon < 0)
                    throw new AssertionError("not a header line: " + line);
                headers.computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>()).add(line.substring(colon + 2));
            }
            return new Echo(lines[0].substring("backend=".length()), lines[1], headers, body);
        }

        List<String> header(String name)
        {
            return headers.getOrDefault(name, List.of());
        }
    }

    // ---- Relay of requests and responses ------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST", "PUT", "DELETE", "PATCH"})
    public void methodPathQueryHeadersAndBodyAreRelayedAndResponseHeadersComeBack(String method) throws Exception
    {
        TestBackend backend = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()));

        byte[] body = new byte[0];
        if (!method.equals("GET"))
        {
            body = new byte[300 * 1024 + 7];
            new Random(42).nextBytes(body);
        }
        String pathQuery = "/http/echo/a%20b/c%3Bd?x=1&y=%C3%A9&x=2&flag";
        HttpRequest request = HttpRequest.newBuilder(URI.create(proxy.httpUrl(pathQuery)))
            .timeout(WAIT)
            .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
            .header("X-Custom", "custom value; with=params")
            .header("Accept", "text/plain")
            .header("Content-Type", "application/octet-stream")
            .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(List.of("b1"), response.headers().allValues("X-Backend"));
        assertEquals("text/plain;charset=utf-8", response.headers().firstValue("Content-Type").orElse(null));
        Echo echo = Echo.of(response.body());
        assertEquals("b1", echo.backend());
        assertEquals(method + " " + pathQuery, echo.requestLine());
        assertEquals(List.of("custom value; with=params"), echo.header("X-Custom"));
        assertEquals(List.of("text/plain"), echo.header("Accept"));
        assertEquals(String.valueOf(body.length), echo.body().get("body-length"));
        assertEquals(sha256(body), echo.body().get("body-sha256"));
        if (body.length > 0)
            assertEquals(List.of("application/octet-stream"), echo.header("Content-Type"));
    }

    @Test
    public void largeUploadIsStreamedToTheBackendNotBufferedWhole() throws Exception
    {
        GatedHttpBackend backend = gatedBackend();
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()));

        long total = 50L * 1024 * 1024;
        long gateAt = 4L * 1024 * 1024;
        // The body stops after its first 4 MiB until the backend has seen bytes of it: a proxy that read the
        // whole body before forwarding would never let the backend see any, and the upload would fail. (The first
        // wsproxy.requestBufferSize, 1 MiB, is read before the backend is contacted: the gate is past it, and
        // past what the JDK client holds back, about 32 KiB, while its body stream blocks.)
        GatedBody gated = new GatedBody(total, gateAt, () ->
            backend.firstBytes.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        HttpRequest request = HttpRequest.newBuilder(URI.create(proxy.httpUrl("/upload")))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> gated), total))
            .build();
        HttpResponse<String> response;
        try
        {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException x)
        {
            throw new AssertionError("upload failed; gate " + (gated.gateTimedOut ? "timed out: the backend saw no byte of the body while the client held back after "
                + gateAt + " bytes, so the proxy buffered it" : "was passed"), x);
        }
        assertFalse(gated.gateTimedOut, "the backend saw no byte before the client sent more than " + gateAt);
        assertTrue(gated.gatePassed, "the body never reached its gate");
        assertEquals(200, response.statusCode(), response.body());

        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        try (InputStream plain = new GatedBody(total, total, () -> true))
        {
            byte[] buffer = new byte[64 * 1024];
            for (int r; (r = plain.read(buffer)) >= 0; )
                expected.update(buffer, 0, r);
        }
        assertEquals("body-length=" + total + "\nbody-sha256=" + HexFormat.of().formatHex(expected.digest()) + "\n", response.body());
    }

    /** A deterministic body of {@code total} bytes that, once {@code gateAt} bytes were read, waits on the gate. */
    private static class GatedBody extends InputStream
    {
        private interface Gate
        {
            boolean await() throws InterruptedException;
        }

        private final long total;
        private final long gateAt;
        private final Gate gate;
        private final byte[] block = new byte[64 * 1024];
        private long position;
        volatile boolean gatePassed;
        volatile boolean gateTimedOut;

        GatedBody(long total, long gateAt, Gate gate)
        {
            this.total = total;
            this.gateAt = gateAt;
            this.gate = gate;
            new Random(7).nextBytes(block);
        }

        @Override
        public int read() throws IOException
        {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException
        {
            if (position >= total)
                return -1;
            if (length == 0)
                return 0;
            if (position == gateAt && !gatePassed)
            {
                try
                {
                    if (!gate.await())
                    {
                        gateTimedOut = true;
                        throw new IOException("the backend saw no byte of the body within " + WAIT);
                    }
                }
                catch (InterruptedException x)
                {
                    throw new IOException(x);
                }
                gatePassed = true;
            }
            long limit = position < gateAt ? gateAt : total;
            int n = (int)Math.min(length, limit - position);
            for (int i = 0; i < n; i++)
            {
                long p = position + i;
                buffer[offset + i] = (byte)(block[(int)(p % block.length)] ^ (p / block.length));
            }
            position += n;
            return n;
        }
    }

    @Test
    public void eventStreamReachesTheClientEventByEvent() throws Exception
    {
        GatedHttpBackend backend = gatedBackend();
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()));

        CompletableFuture<HttpResponse<InputStream>> pending = client.sendAsync(
            HttpRequest.newBuilder(URI.create(proxy.httpUrl("/events"))).header("Accept", "text/event-stream").build(),
            HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> response;
        try
        {
            response = pending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (TimeoutException x)
        {
            pending.cancel(true);
            throw new AssertionError("no response head while the backend waits after event 0: the proxy holds the response back", x);
        }
        assertEquals(200, response.statusCode());
        assertEquals("text/event-stream", response.headers().firstValue("Content-Type").orElse(null));

        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8)))
            {
                for (String line; (line = in.readLine()) != null; )
                {
                    if (!line.isEmpty())
                        lines.add(line);
                }
                lines.add("<end>");
            }
            catch (IOException x)
            {
                lines.add("<failed: " + x + ">");
            }
        }, "sse-reader");
        reader.setDaemon(true);
        reader.start();

        // The backend sends event 1 only once released, and we release it only after event 0 arrived here.
        assertEquals("data: event 0", lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS),
            "event 0 did not arrive while the backend waits: the proxy buffers the stream");
        backend.releaseEvents();
        assertEquals("data: event 1", lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals("<end>", lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
    }

    // ---- Error statuses ----------------------------------------------------------------------

    @Test
    public void unreachableBackendGives502() throws Exception
    {
        ProxyServer proxy = start(new ProxyServer().route("main", "/", "http://127.0.0.1:" + deadPort()));
        assertEquals(502, get(proxy, "/http/echo").statusCode());
    }

    @Test
    public void stoppedBackendGives502() throws Exception
    {
        TestBackend backend = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()));
        assertEquals(200, get(proxy, "/http/echo").statusCode());
        backend.stop();
        assertEquals(502, get(proxy, "/http/echo").statusCode());
    }

    @Test
    public void backendSlowerThanReadTimeoutGives504() throws Exception
    {
        TestBackend backend = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()).param("wsproxy.readTimeout", "500ms"));
        assertEquals(504, get(proxy, "/http/slow?ms=3000").statusCode());
    }

    @Test
    public void routeReadTimeoutOverridesTheGlobalOne() throws Exception
    {
        ProxyServer proxy = proxyWithSlowRoute("30s");
        HttpResponse<String> slow = get(proxy, "/http/slow?ms=1000");
        assertEquals(200, slow.statusCode());
        assertEquals("GET /http/slow?ms=1000", Echo.of(slow.body()).requestLine());
    }

    @Test
    public void aRouteReadTimeoutOfZeroMeansNeverEvenWhenOtherRoutesHaveOne() throws Exception
    {
        // The other route's 500 ms is the HTTP client's idle timeout (the longest of the routes'); a route with 0s
        // must not fall back to it.
        ProxyServer proxy = proxyWithSlowRoute("0s");
        HttpResponse<String> slow = get(proxy, "/http/slow?ms=1500");
        assertEquals(200, slow.statusCode());
        assertEquals("GET /http/slow?ms=1500", Echo.of(slow.body()).requestLine());
    }

    /** Route "slow" (/http/slow) with the given readTimeout, route "main" (/) with 500 ms, both to one backend. */
    private ProxyServer proxyWithSlowRoute(String slowReadTimeout) throws Exception
    {
        TestBackend backend = backend("b1");
        return start(new ProxyServer()
            .route("slow", "/http/slow", backend.url())
            .route("main", "/", backend.url())
            .param("wsproxy.readTimeout", "500ms")
            .param("wsproxy.route.slow.readTimeout", slowReadTimeout));
    }

    @Test
    public void pathMatchingNoRouteGives404() throws Exception
    {
        TestBackend backend = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("api", "/api/", backend.url()));
        assertEquals(404, get(proxy, "/other/http/echo").statusCode());
        assertEquals(404, get(proxy, "/").statusCode());
        assertEquals(404, get(proxy, "/api").statusCode());
        // The route itself works: the 404s are the proxy's, not the backend's (which answers 200 to any path).
        HttpResponse<String> routed = get(proxy, "/api/x");
        assertEquals(200, routed.statusCode());
        assertEquals("GET /api/x", Echo.of(routed.body()).requestLine());
    }

    // ---- Forwarding headers, Host, hop-by-hop -------------------------------------------------

    private static Echo spoofed(ProxyServer proxy) throws IOException
    {
        RawHttp.Response response = RawHttp.exchange(proxy.port(),
            "GET /http/echo HTTP/1.1",
            "Host: client.example:8443",
            "X-Forwarded-For: 6.6.6.6",
            "X-Forwarded-Proto: https",
            "X-Forwarded-Host: evil.example",
            "X-Forwarded-Port: 65001",
            "Forwarded: for=6.6.6.6;proto=https",
            "Connection: close");
        assertEquals(200, response.status(), response.body());
        return Echo.of(response.body());
    }

    @Test
    public void forwardingHeadersDescribeTheClientAndReplaceSpoofedOnes() throws Exception
    {
        TestBackend backend = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()));
        Echo echo = spoofed(proxy);
        assertEquals(List.of("127.0.0.1"), echo.header("X-Forwarded-For"));
        assertEquals(List.of("http"), echo.header("X-Forwarded-Proto"));
        assertEquals(List.of("client.example:8443"), echo.header("X-Forwarded-Host"));
        assertEquals(List.of(String.valueOf(proxy.port())), echo.header("X-Forwarded-Port"));
        assertEquals(List.of("for=127.0.0.1;proto=http;host=\"client.example:8443\""), echo.header("Forwarded"));
        for (String spoof : List.of("6.6.6.6", "evil.example", "65001"))
            assertEquals(-1, echo.headers().toString().indexOf(spoof), () -> spoof + " reached the backend: " + echo.headers());
    }

    @Test
    public void forwardingHeadersFromATrustedProxyAreKeptAndAppendedTo() throws Exception
    {
        TestBackend backend = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()).param("wsproxy.trustedProxies", "127.0.0.1"));
        Echo echo = spoofed(proxy);
        assertEquals(List.of("6.6.6.6, 127.0.0.1"), echo.header("X-Forwarded-For"));
        assertEquals(List.of("https"), echo.header("X-Forwarded-Proto"));
        assertEquals(List.of("evil.example"), echo.header("X-Forwarded-Host"));
        assertEquals(List.of("65001"), echo.header("X-Forwarded-Port"));
        assertEquals(List.of("for=6.6.6.6;proto=https, for=127.0.0.1;proto=http;host=\"client.example:8443\""), echo.header("Forwarded"));
    }

    @Test
    public void backendSeesItsOwnHostByDefault() throws Exception
    {
        TestBackend backend = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()));
        assertEquals(List.of("127.0.0.1:" + backend.port()), spoofed(proxy).header("Host"));
    }

    @Test
    public void backendSeesTheClientsHostWithPreserveHost() throws Exception
    {
        TestBackend backend = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()).param("wsproxy.preserveHost", "true"));
        assertEquals(List.of("client.example:8443"), spoofed(proxy).header("Host"));
    }

    @Test
    public void hopByHopHeadersStayOnTheirHopEndToEndHeadersPassUnchanged() throws Exception
    {
        TestBackend backend = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", backend.url()));
        RawHttp.Response response = RawHttp.exchange(proxy.port(),
            "GET /http/echo HTTP/1.1",
            "Host: 127.0.0.1:" + proxy.port(),
            "Connection: keep-alive, X-Hop",
            "X-Hop: 1",
            "Keep-Alive: timeout=5, max=100",
            "TE: trailers",
            "Proxy-Connection: keep-alive",
            "Origin: https://app.example",
            "Cookie: a=1; b=\"two words\"",
            "Authorization: Bearer abc.DEF-123",
            "User-Agent: wsproxy-test/1.0 (raw socket)",
            "X-Custom: Mixed Case, commas; and=semicolons");
        assertEquals(200, response.status(), response.body());
        Echo echo = Echo.of(response.body());

        for (String hop : List.of("X-Hop", "Keep-Alive", "TE", "Proxy-Connection"))
            assertEquals(List.of(), echo.header(hop), hop + " crossed the proxy");
        for (String connection : echo.header("Connection"))
        {
            String lower = connection.toLowerCase(Locale.ROOT);
            assertFalse(lower.contains("x-hop") || lower.contains("keep-alive"), "the client's Connection crossed the proxy: " + connection);
        }
        assertEquals(List.of("https://app.example"), echo.header("Origin"));
        assertEquals(List.of("a=1; b=\"two words\""), echo.header("Cookie"));
        assertEquals(List.of("Bearer abc.DEF-123"), echo.header("Authorization"));
        assertEquals(List.of("wsproxy-test/1.0 (raw socket)"), echo.header("User-Agent"));
        assertEquals(List.of("Mixed Case, commas; and=semicolons"), echo.header("X-Custom"));
    }

    // ---- Upstreams -------------------------------------------------------------------------

    @Test
    public void requestsAlternateBetweenTwoBackends() throws Exception
    {
        TestBackend b1 = backend("b1");
        TestBackend b2 = backend("b2");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", b1.url() + ", " + b2.url()));
        List<String> served = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            HttpResponse<String> response = get(proxy, "/http/echo?i=" + i);
            assertEquals(200, response.statusCode());
            served.add(response.headers().firstValue("X-Backend").orElse("?"));
        }
        assertEquals(List.of("b1", "b2", "b1", "b2", "b1", "b2", "b1", "b2", "b1", "b2"), served);
    }

    @Test
    public void deadBackendCostsAGetNothingAndIsThenSkipped() throws Exception
    {
        // The GET that met the dead backend is tried again on the live one (idempotent, no body): the client
        // never sees the failure, and the dead backend is ejected for the fail timeout.
        TestBackend b1 = backend("b1");
        int dead = deadPort();
        ProxyServer proxy = start(new ProxyServer().route("main", "/", b1.url() + ", http://127.0.0.1:" + dead));
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            HttpResponse<String> response = get(proxy, "/http/echo?i=" + i);
            outcomes.add(response.statusCode() + " " + response.headers().firstValue("X-Backend").orElse("-"));
        }
        assertEquals(java.util.Collections.nCopies(10, "200 b1"), outcomes);
        org.wsproxy.upstream.Endpoint deadEndpoint = proxy.pools().get("route:main").endpoints().get(1);
        assertEquals(1, deadEndpoint.failures());
        assertTrue(deadEndpoint.isEjected());
    }

    @Test
    public void postWithABodyIsNotRetried() throws Exception
    {
        // The body was streamed to the first backend (or may have been): sending it again is not the proxy's call.
        TestBackend b1 = backend("b1");
        ProxyServer proxy = start(new ProxyServer().route("main", "/", "http://127.0.0.1:" + deadPort() + ", " + b1.url()));
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo"))).timeout(WAIT)
            .POST(HttpRequest.BodyPublishers.ofString("payload")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(502, response.statusCode());
        // The dead backend is now ejected: the next POST goes to b1.
        response = client.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/http/echo"))).timeout(WAIT)
            .POST(HttpRequest.BodyPublishers.ofString("payload")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("b1", response.headers().firstValue("X-Backend").orElse("-"));
    }

    // ---- A WebSocket route also carries plain HTTP ----------------------------------------------

    @Test
    public void plainRequestsOnAWebSocketRouteReachItsBackend() throws Exception
    {
        // Socket.IO style: long-polling GETs and POSTs on the path that also takes the upgrade. The WebSocket
        // route's backend is mapped onto TestBackend's echo (nginx rule) so that it reports the body it read.
        TestBackend ws = backend("ws-backend");
        TestBackend app = backend("app-backend");
        ProxyServer proxy = start(new ProxyServer()
            .route("ws", "/socket.io/", ws.url() + "/http/echo/socket.io/")
            .route("app", "/", app.url())
            .param("wsproxy.route.ws.websocket", "true"));

        HttpResponse<String> poll = get(proxy, "/socket.io/?EIO=4&transport=polling&t=abc");
        assertEquals(200, poll.statusCode(), poll.body());
        assertEquals(List.of("ws-backend"), poll.headers().allValues("X-Backend"));
        Echo polled = Echo.of(poll.body());
        assertEquals("GET /http/echo/socket.io/?EIO=4&transport=polling&t=abc", polled.requestLine());
        assertEquals(List.of(), polled.header("Upgrade"));

        byte[] packet = "40{\"token\":\"abc\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> send = client.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/socket.io/?EIO=4&transport=polling&sid=s1")))
            .timeout(WAIT)
            .POST(HttpRequest.BodyPublishers.ofByteArray(packet))
            .header("Content-Type", "text/plain;charset=UTF-8")
            .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, send.statusCode(), send.body());
        assertEquals(List.of("ws-backend"), send.headers().allValues("X-Backend"));
        Echo sent = Echo.of(send.body());
        assertEquals("POST /http/echo/socket.io/?EIO=4&transport=polling&sid=s1", sent.requestLine());
        assertEquals(String.valueOf(packet.length), sent.body().get("body-length"));
        assertEquals(sha256(packet), sent.body().get("body-sha256"));

        assertEquals(List.of("app-backend"), get(proxy, "/index.html").headers().allValues("X-Backend"));
    }
}
