package org.wsproxy.websocket;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;

/**
 * What the client hears when the backend's handshake fails, decided in one place: the backend's own
 * non-101 status is passed on; no eligible backend is 503; a timeout is 504; anything else (refused, reset, bad answer) is 502.
 */
final class HandshakeFailures
{
    private HandshakeFailures()
    {
    }

    static int status(Throwable failure)
    {
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof NoBackendException)
                return 503;
            if (t instanceof UpgradeException upgrade && upgrade.getResponseStatusCode() >= 200 && upgrade.getResponseStatusCode() != 101)
                return upgrade.getResponseStatusCode();
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException)
                return 504;
        }
        return 502;
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
