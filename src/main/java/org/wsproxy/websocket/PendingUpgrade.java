package org.wsproxy.websocket;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.CompletableFuture;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's upgrade, suspended while the backend's handshake runs, so no request thread waits on the
 * backend: the request is put in async mode, the backend is connected asynchronously, and only once it
 * answered is the request dispatched again to be upgraded (Jetty's upgrade itself is synchronous, but
 * then only writes the 101). A backend failure is answered without any dispatch.
 */
final class PendingUpgrade implements AsyncListener
{
    /** The request attribute that marks the async dispatch as the second half of an upgrade. */
    static final String ATTRIBUTE = PendingUpgrade.class.getName();
    private static final Logger LOG = LoggerFactory.getLogger(PendingUpgrade.class);

    private final AsyncContext async;
    private volatile CompletableFuture<BackendHop> connecting;
    private volatile BackendHop hop;

    PendingUpgrade(AsyncContext async)
    {
        this.async = async;
    }

    void await(CompletableFuture<BackendHop> connecting)
    {
        this.connecting = connecting;
        connecting.whenComplete(this::connected);
    }

    private void connected(BackendHop hop, Throwable failure)
    {
        if (failure != null)
        {
            refuse((HttpServletResponse)async.getResponse(), failure);
            async.complete();
            return;
        }
        this.hop = hop;
        async.dispatch();
    }

    /**
     * Second half, on the async dispatch: the backend hop is open, accept the client's upgrade.
     *
     * @return the hop when the client got its 101, else null
     */
    BackendHop upgrade(ClientHandshake clientUpgrade, HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        return upgrade(clientUpgrade, hop, request, response);
    }

    /**
     * Both halves on the request's own thread, for a host that upgrades only in the request's first dispatch (Tomcat):
     * the thread waits for the backend's answer, at most {@code bound} (the connect's own timeouts end it before), and a
     * failure is answered as the async path answers it.
     *
     * @return the hop when the client got its 101, else null
     */
    static BackendHop upgradeOnRequestThread(CompletableFuture<BackendHop> connecting, java.time.Duration bound, ClientHandshake clientUpgrade,
                                             HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        BackendHop hop;
        try
        {
            hop = connecting.get(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        catch (java.util.concurrent.TimeoutException x)
        {
            // Cancelling releases the handshake's place; if the hop came meanwhile, it is of no use now.
            if (!connecting.cancel(false))
                connecting.thenAccept(late -> late.relay().abandon("the client's upgrade timed out"));
            refuse(response, x);
            return null;
        }
        catch (java.util.concurrent.ExecutionException x)
        {
            refuse(response, x.getCause());
            return null;
        }
        catch (InterruptedException x)
        {
            connecting.cancel(false);
            connecting.thenAccept(late -> late.relay().abandon("interrupted"));
            Thread.currentThread().interrupt();
            return null;
        }
        return upgrade(clientUpgrade, hop, request, response);
    }

    private static BackendHop upgrade(ClientHandshake clientUpgrade, BackendHop hop, HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        boolean upgraded;
        try
        {
            upgraded = clientUpgrade.upgrade(request, response, hop);
        }
        catch (Throwable x)
        {
            hop.relay().abandon(x.toString());
            throw x;
        }
        if (!upgraded)
        {
            hop.relay().abandon("not a WebSocket upgrade");
            if (!response.isCommitted())
                respond(response, 400, "wsproxy: not a valid WebSocket upgrade request");
            return null;
        }
        return hop;
    }

    /** The answer to a client whose backend handshake failed. */
    private static void refuse(HttpServletResponse response, Throwable failure)
    {
        int status = HandshakeFailures.status(failure);
        long retryAfter = HandshakeFailures.retryAfterSeconds(failure);
        if (retryAfter >= 0)
            response.setHeader("Retry-After", Long.toString(retryAfter));
        // The client gets the status and its name only; the cause, with the backend, is in the log (WebSocketProxy).
        respond(response, status, status + " " + org.eclipse.jetty.http.HttpStatus.getMessage(status));
    }

    static void respond(HttpServletResponse response, int status, String message)
    {
        try
        {
            response.setStatus(status);
            if (status == 426)
                response.setHeader("Sec-WebSocket-Version", "13");
            response.setContentType("text/plain;charset=utf-8");
            PrintWriter writer = response.getWriter();
            writer.println(message);
        }
        catch (Throwable x)
        {
            LOG.debug("could not answer {}", status, x);
        }
    }

    private void clientLeft()
    {
        CompletableFuture<BackendHop> connecting = this.connecting;
        if (connecting != null)
            connecting.cancel(false);
    }

    @Override
    public void onComplete(AsyncEvent event)
    {
    }

    @Override
    public void onTimeout(AsyncEvent event)
    {
        clientLeft();
    }

    @Override
    public void onError(AsyncEvent event)
    {
        clientLeft();
    }

    @Override
    public void onStartAsync(AsyncEvent event)
    {
    }
}
