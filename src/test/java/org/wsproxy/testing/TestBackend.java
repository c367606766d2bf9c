package org.wsproxy.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A real backend for the tests, on an ephemeral loopback port: WebSocket endpoints with scripted
 * behaviour (echo, close with a code, drop, flood, refuse) and HTTP endpoints (echo, stream, slow, upload).
 * It records every WebSocket handshake's headers so tests can check what the proxy forwarded.
 */
public class TestBackend
{
    public final BlockingQueue<Map<String, List<String>>> handshakes = new LinkedBlockingQueue<>();
    /** The path and query, as received, of every handshake accepted by the default endpoint (echo, flood). */
    public final BlockingQueue<String> handshakePaths = new LinkedBlockingQueue<>();
    /**
     * Connections opened, whatever came on them (an upgrade counts two: the HTTP connection and the WebSocket
     * one replacing it on the same socket): zero means the backend was not contacted at all.
     */
    public final AtomicLong connections = new AtomicLong();
    public final BlockingQueue<String> closes = new LinkedBlockingQueue<>();
    public final BlockingQueue<String> pings = new LinkedBlockingQueue<>();
    public final AtomicLong floodSent = new AtomicLong();
    /** What GET /health answers; tests flip it to make active health checks fail or pass. */
    public volatile int healthStatus = 200;
    public final AtomicLong healthProbes = new AtomicLong();
    /** "METHOD /path" of each plain HTTP request that reached this backend, as it began. */
    public final BlockingQueue<String> httpRequests = new LinkedBlockingQueue<>();
    private final String name;
    private Server server;
    private ServerConnector connector;
    private org.eclipse.jetty.util.ssl.SslContextFactory.Server tls;

    public TestBackend(String name)
    {
        this.name = name;
    }

    public TestBackend start() throws Exception
    {
        return start(0);
    }

    /** Serves TLS only (https://, wss://), with the key and certificate of this PKCS12 key store; call before start. */
    public TestBackend tls(java.nio.file.Path keyStore, String password)
    {
        tls = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
        tls.setKeyStorePath(keyStore.toString());
        tls.setKeyStorePassword(password);
        tls.setKeyStoreType("PKCS12");
        return this;
    }

    public TestBackend start(int port) throws Exception
    {
        server = new Server();
        connector = tls == null ? new ServerConnector(server) : new ServerConnector(server, tls);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.addEventListener(new org.eclipse.jetty.io.Connection.Listener()
        {
            @Override
            public void onOpened(org.eclipse.jetty.io.Connection connection)
            {
                // A TCP connection, not the WebSocket connection an upgrade puts on the same one: Jetty's handshake gives
                // that one the connector's listeners too, and opens it after the 101 is written, so counting it raced
                // with the client's 101.
                if (!(connection instanceof org.eclipse.jetty.websocket.core.WebSocketConnection))
                    connections.incrementAndGet();
            }
        });
        server.addConnector(connector);

        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, context, container ->
        {
            container.setMaxTextMessageSize(Long.MAX_VALUE);
            container.setMaxBinaryMessageSize(Long.MAX_VALUE);
            container.setIdleTimeout(java.time.Duration.ofMinutes(5));
            container.addMapping("/ws/reject", (rq, rs, cb) ->
            {
                Response.writeError(rq, rs, cb, 403);
                return null;
            });
            container.addMapping("/ws/unavailable/*", (rq, rs, cb) ->
            {
                record(rq.getHeaders());
                Response.writeError(rq, rs, cb, 503);
                return null;
            });
            container.addMapping("/ws/slow", (rq, rs, cb) ->
            {
                record(rq.getHeaders());
                sleep(Long.parseLong(param(rq, "ms", "3000")));
                return new Echo();
            });
            container.addMapping("/*", (rq, rs, cb) ->
            {
                record(rq.getHeaders());
                for (String offered : rq.getSubProtocols())
                {
                    if (offered.startsWith("v2"))
                    {
                        rs.setAcceptedSubProtocol(offered);
                        break;
                    }
                }
                rs.getHeaders().put("X-Backend", name);
                handshakePaths.add(rq.getHttpURI().getPathQuery());
                String path = rq.getHttpURI().getPath();
                if (path.startsWith("/ws/flood"))
                    return new Flood(Long.parseLong(param(rq, "bytes", "1048576")), Integer.parseInt(param(rq, "chunk", "65536")));
                return new Echo();
            });
        });
        ws.setHandler(new HttpEndpoints());
        context.setHandler(ws);
        server.setHandler(context);
        server.start();
        return this;
    }

    private void record(org.eclipse.jetty.http.HttpFields headers)
    {
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (var field : headers)
            copy.computeIfAbsent(field.getName(), k -> new java.util.ArrayList<>()).add(field.getValue());
        handshakes.add(copy);
    }

    private static String param(Request request, String name, String fallback)
    {
        Fields fields = Request.extractQueryParameters(request);
        String value = fields.getValue(name);
        return value == null ? fallback : value;
    }

    private static void sleep(long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    public int port()
    {
        return connector.getLocalPort();
    }

    public String url()
    {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + port();
    }

    /**
     * As close to a crash as one JVM allows: the listening socket is closed (new connections refused), then
     * every open connection is dropped without a close frame, then the server is stopped.
     */
    public void kill() throws Exception
    {
        connector.close();
        for (org.eclipse.jetty.io.EndPoint endPoint : connector.getConnectedEndPoints())
            endPoint.close();
        server.stop();
    }

    public void stop() throws Exception
    {
        if (server != null)
            server.stop();
    }

    /**
     * Echoes binary frames as they come, with the same fragmentation, and text messages whole (a proxy may
     * re-fragment text, RFC 6455 5.4, so commands are read from the whole message), demanding the next frame
     * only when the echo is written. Text commands: "close:CODE:REASON" closes, "drop" disconnects without a
     * close frame, "ping:DATA" sends a ping.
     */
    public class Echo implements Session.Listener
    {
        private final StringBuilder text = new StringBuilder();
        private Session session;

        @Override
        public void onWebSocketOpen(Session session)
        {
            this.session = session;
            session.demand();
        }

        @Override
        public void onWebSocketPartialText(String payload, boolean last)
        {
            text.append(payload);
            if (!last)
            {
                session.demand();
                return;
            }
            String message = text.toString();
            text.setLength(0);
            if (message.startsWith("close:"))
            {
                String[] parts = message.split(":", 3);
                session.close(Integer.parseInt(parts[1]), parts[2], org.eclipse.jetty.websocket.api.Callback.NOOP);
                session.demand();
                return;
            }
            if (message.equals("drop"))
            {
                session.disconnect();
                return;
            }
            if (message.startsWith("ping:"))
            {
                session.sendPing(ByteBuffer.wrap(message.substring(5).getBytes(StandardCharsets.UTF_8)),
                    org.eclipse.jetty.websocket.api.Callback.from(session::demand, Throwable::printStackTrace));
                return;
            }
            // After its own close the echo fails; keep reading anyway, or the peer's close reply is never read.
            session.sendText(message, org.eclipse.jetty.websocket.api.Callback.from(session::demand, x -> session.demand()));
        }

        @Override
        public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, org.eclipse.jetty.websocket.api.Callback callback)
        {
            session.sendPartialBinary(payload, last, org.eclipse.jetty.websocket.api.Callback.from(() ->
            {
                callback.succeed();
                session.demand();
            }, callback::fail));
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload)
        {
            pings.add(StandardCharsets.UTF_8.decode(payload.duplicate()).toString());
            session.sendPong(payload, org.eclipse.jetty.websocket.api.Callback.from(session::demand, x -> { }));
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload)
        {
            session.sendText("pong:" + StandardCharsets.UTF_8.decode(payload), org.eclipse.jetty.websocket.api.Callback.from(session::demand, x -> { }));
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, org.eclipse.jetty.websocket.api.Callback callback)
        {
            closes.add(statusCode + " " + reason);
            callback.succeed();
        }
    }

    /** Pushes {@code total} bytes in binary messages of {@code chunk} bytes, each send after the previous completed. */
    public class Flood implements Session.Listener
    {
        private final long total;
        private final int chunk;
        private Session session;
        private long sent;

        Flood(long total, int chunk)
        {
            this.total = total;
            this.chunk = chunk;
        }

        @Override
        public void onWebSocketOpen(Session session)
        {
            this.session = session;
            session.demand();
            next();
        }

        private void next()
        {
            if (sent >= total)
            {
                session.sendText("done", org.eclipse.jetty.websocket.api.Callback.NOOP);
                return;
            }
            int size = (int)Math.min(chunk, total - sent);
            ByteBuffer buffer = ByteBuffer.allocate(size);
            for (int i = 0; i < size; i++)
                buffer.put(i, (byte)((sent + i) % 251));
            sent += size;
            session.sendBinary(buffer, org.eclipse.jetty.websocket.api.Callback.from(() ->
            {
                floodSent.set(sent);
                next();
            }, x -> { }));
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, org.eclipse.jetty.websocket.api.Callback callback)
        {
            closes.add(statusCode + " " + reason);
            callback.succeed();
        }
    }

    /**
     * /http/echo: the request line, headers and a SHA-256 of the body; /http/stream: n lines, one every ms;
     * /http/slow?ms=: answers late; anything else: a small page naming this backend.
     */
    private class HttpEndpoints extends Handler.Abstract
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception
        {
            String path = request.getHttpURI().getPath();
            httpRequests.add(request.getMethod() + " " + path);
            if (path.equals("/health"))
            {
                healthProbes.incrementAndGet();
                response.setStatus(healthStatus);
                response.getHeaders().put("X-Backend", name);
                Content.Sink.write(response, true, "health " + healthStatus + "\n", callback);
                return true;
            }
            if (path.startsWith("/http/stream"))
            {
                int n = Integer.parseInt(param(request, "n", "3"));
                long ms = Long.parseLong(param(request, "ms", "200"));
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                try (OutputStream out = Content.Sink.asOutputStream(response))
                {
                    for (int i = 0; i < n; i++)
                    {
                        out.write(("data: event " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        sleep(ms);
                    }
                }
                callback.succeeded();
                return true;
            }
            if (path.startsWith("/http/slow"))
                sleep(Long.parseLong(param(request, "ms", "3000")));

            StringBuilder body = new StringBuilder();
            body.append("backend=").append(name).append('\n');
            body.append(request.getMethod()).append(' ').append(request.getHttpURI().getPathQuery()).append('\n');
            for (var field : request.getHeaders())
                body.append(field.getName()).append(": ").append(field.getValue()).append('\n');
            if (path.startsWith("/http/echo"))
            {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long length = 0;
                try (InputStream in = Content.Source.asInputStream(request))
                {
                    byte[] buffer = new byte[64 * 1024];
                    for (int r; (r = in.read(buffer)) >= 0; )
                    {
                        sha.update(buffer, 0, r);
                        length += r;
                    }
                }
                body.append("body-length=").append(length).append('\n');
                body.append("body-sha256=").append(HexFormat.of().formatHex(sha.digest())).append('\n');
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
            response.getHeaders().put("X-Backend", name);
            Content.Sink.write(response, true, body.toString(), callback);
            return true;
        }
    }

    public static void awaitTrue(java.util.function.BooleanSupplier condition, long timeoutMs) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
                throw new AssertionError("condition not met within " + timeoutMs + " ms");
            Thread.sleep(10);
        }
    }
}
