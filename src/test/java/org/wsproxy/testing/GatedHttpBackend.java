package org.wsproxy.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * An HTTP backend whose endpoints signal or wait at chosen points, so that tests can prove streaming by
 * the order of events rather than by timing:
 * <ul>
 * <li>{@code /upload}: reads the body, counting {@link #firstBytes} down as soon as the first bytes
 * arrive, and answers {@code body-length=} and {@code body-sha256=} lines;</li>
 * <li>{@code /events}: a {@code text/event-stream} that sends event 0, waits until {@link #releaseEvents()}
 * (at most {@link #GATE_SECONDS}), then sends event 1 and ends.</li>
 * </ul>
 */
public class GatedHttpBackend
{
    /** The longest any endpoint waits on the test; then it gives up so that nothing hangs. */
    public static final long GATE_SECONDS = 30;

    /** Counted down when the first bytes of an /upload body have arrived here. */
    public final CountDownLatch firstBytes = new CountDownLatch(1);
    private final CountDownLatch events = new CountDownLatch(1);
    private Server server;
    private ServerConnector connector;

    public GatedHttpBackend start() throws Exception
    {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Gates());
        server.start();
        return this;
    }

    /** Lets /events send its second event and end. */
    public void releaseEvents()
    {
        events.countDown();
    }

    public int port()
    {
        return connector.getLocalPort();
    }

    public String url()
    {
        return "http://127.0.0.1:" + port();
    }

    public void stop() throws Exception
    {
        // Nothing waits on a gate past the test.
        releaseEvents();
        if (server != null)
            server.stop();
    }

    private class Gates extends Handler.Abstract
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception
        {
            String path = Request.getPathInContext(request);
            if (path.equals("/upload"))
            {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long length = 0;
                try (InputStream in = Content.Source.asInputStream(request))
                {
                    byte[] buffer = new byte[64 * 1024];
                    for (int r; (r = in.read(buffer)) >= 0; )
                    {
                        if (r > 0)
                            firstBytes.countDown();
                        sha.update(buffer, 0, r);
                        length += r;
                    }
                }
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
                Content.Sink.write(response, true,
                    "body-length=" + length + "\nbody-sha256=" + HexFormat.of().formatHex(sha.digest()) + "\n", callback);
                return true;
            }
            if (path.equals("/events"))
            {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
                OutputStream out = Content.Sink.asOutputStream(response);
                out.write("data: event 0\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (!events.await(GATE_SECONDS, TimeUnit.SECONDS))
                {
                    // Never released: abort the response rather than end it normally, so no client mistakes it for a stream.
                    callback.failed(new TimeoutException("/events was not released within " + GATE_SECONDS + " s"));
                    return true;
                }
                out.write("data: event 1\n\n".getBytes(StandardCharsets.UTF_8));
                out.close();
                callback.succeeded();
                return true;
            }
            Response.writeError(request, response, callback, 404);
            return true;
        }
    }
}
