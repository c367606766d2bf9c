package org.wsproxy.websocket;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.websocket.core.exception.UpgradeException;

/**
 * What the client hears when the backend's handshake fails, decided in one place: the backend's own
 * non-101 status is passed on; no eligible backend, or one with too many handshakes in progress and queued, is 503; a timeout is 504; anything else (refused, reset, bad answer) is 502.
 */
final class HandshakeFailures
{
    private HandshakeFailures()
    {
    }

    /** Why the handshake failed, as one of {@link SessionObserver#FAILURE_CAUSES} (never "rejected" nor "client_gone", which the caller knows). */
    static String cause(Throwable failure)
    {
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof NoBackendException)
                return "no_backend";
            if (t instanceof UpgradeException upgrade && upgrade.getResponseStatusCode() >= 200 && upgrade.getResponseStatusCode() != 101)
            {
                int status = upgrade.getResponseStatusCode();
                return status >= 500 ? "backend_5xx" : status >= 400 ? "backend_4xx" : "backend_other";
            }
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException)
                return "timeout";
        }
        return isConnectFailure(failure) ? "refused" : "error";
    }

    static int status(Throwable failure)
    {
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof NoBackendException || t instanceof BackendBusyException)
                return 503;
            if (t instanceof UpgradeException upgrade && upgrade.getResponseStatusCode() >= 200 && upgrade.getResponseStatusCode() != 101)
                return upgrade.getResponseStatusCode();
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException)
                return 504;
        }
        return 502;
    }

    /**
     * Whether the backend failed rather than answered: never reached, timed out, dropped the connection, or
     * answered 502, 503 or 504. Such a handshake counts against the backend's health and may be tried on
     * another backend, since nothing has been sent to the client yet. Any other status is the backend's
     * answer (403, 404...): passed on, and a sign of life.
     */
    static boolean isBackendFailure(Throwable failure)
    {
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof UpgradeException upgrade && upgrade.getResponseStatusCode() >= 200)
            {
                int status = upgrade.getResponseStatusCode();
                return status == 502 || status == 503 || status == 504;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException || t instanceof java.io.EOFException ||
                t instanceof java.nio.channels.ClosedChannelException || t instanceof java.io.IOException)
                return true;
        }
        return isConnectFailure(failure);
    }

    /** Seconds for a 503's Retry-After header, or -1 when the failure is not "no eligible backend" or "backend busy". */
    static long retryAfterSeconds(Throwable failure)
    {
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof NoBackendException none)
                return none.retryAfter().toSeconds();
            if (t instanceof BackendBusyException busy)
                return busy.retryAfter().toSeconds();
        }
        return -1;
    }

    /** Whether the backend was never reached, so another backend may be tried without anyone noticing. */
    static boolean isConnectFailure(Throwable failure)
    {
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException ||
                t instanceof UnknownHostException || t instanceof UnresolvedAddressException)
                return true;
        }
        return false;
    }

    static String describe(Throwable failure)
    {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root)
            root = root.getCause();
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
