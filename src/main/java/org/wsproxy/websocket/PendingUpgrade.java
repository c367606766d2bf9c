package org.wsproxy.websocket;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's upgrade, suspended while the backend's handshake runs, so no request thread waits on the
 * backend: the request is put in async mode, the backend is connected asynchronously, and once it answered
 * the client's upgrade is accepted right there, on the thread that read the backend's answer, without an async
 * dispatch (websocket-core writes the 101 on Jetty's core response without blocking), and the request is
 * completed. A backend failure is answered the same way.
 */
final class PendingUpgrade implements AsyncListener
{
    private static final Logger LOG = LoggerFactory.getLogger(PendingUpgrade.class);

    private final AsyncContext async;
    private final ClientHandshake clientUpgrade;
    private final Consumer<BackendHop> upgraded;
    private volatile CompletableFuture<BackendHop> connecting;

    /**
     * @param clientUpgrade the host's upgrade, one that does not {@link ClientHandshake#needsRequestThread() need the request's thread}
     * @param upgraded told of each hop whose client got its 101
     */
    PendingUpgrade(AsyncContext async, ClientHandshake clientUpgrade, Consumer<BackendHop> upgraded)
    {
        this.async = async;
        this.clientUpgrade = clientUpgrade;
        this.upgraded = upgraded;
    }

    void await(CompletableFuture<BackendHop> connecting)
    {
        this.connecting = connecting;
        connecting.whenComplete(this::connected);
    }

    private void connected(BackendHop hop, Throwable failure)
    {
        HttpServletResponse response = (HttpServletResponse)async.getResponse();
        if (failure != null)
        {
            refuse(response, failure);
            async.complete();
            return;
        }
        boolean accepted;
        try
        {
            accepted = clientUpgrade.upgrade((HttpServletRequest)async.getRequest(), response, hop, written ->
            {
                if (written == null)
                    upgraded.accept(hop);
                else
                    hop.relay().abandon(written.toString());
                async.complete();
            });
        }
        catch (Throwable x)
        {
            // As the servlet container answers a filter's exception.
            hop.relay().abandon(x.toString());
            LOG.debug("client upgrade failed", x);
            if (!response.isCommitted())
            {
                int status = x instanceof org.eclipse.jetty.http.HttpException http ? http.getCode() : 500;
                respond(response, status, status + " " + org.eclipse.jetty.http.HttpStatus.getMessage(status));
            }
            async.complete();
            return;
        }
        if (!accepted)
        {
            notUpgraded(hop, response);
            async.complete();
        }
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
            notUpgraded(hop, response);
            return null;
        }
        return hop;
    }

    private static void notUpgraded(BackendHop hop, HttpServletResponse response)
    {
        hop.relay().abandon("not a WebSocket upgrade");
        if (!response.isCommitted())
            respond(response, 400, "wsproxy: not a valid WebSocket upgrade request");
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
