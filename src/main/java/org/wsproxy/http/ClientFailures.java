package org.wsproxy.http;

import java.util.concurrent.TimeoutException;

/**
 * What the client is answered when its own request body failed (never the backend's failure, never counted
 * against it): nginx's answers. Only JDK types are looked at: in jetty-home the server's exceptions come from
 * the server's class loader, not the WAR's copy of jetty-http, so an {@code instanceof} on Jetty's classes would
 * never match there.
 */
final class ClientFailures
{
    private ClientFailures()
    {
    }

    /**
     * @return 408 when the client stopped sending its body for too long (nginx {@code client_body_timeout}), else
     * 400: the body was malformed (a bad chunk size...) or ended early. Jetty reports both as an early EOF
     * ({@code HttpParser} turns a bad chunk into {@code earlyEOF()}), so they cannot be told apart here; a client
     * whose connection is gone never sees the 400.
     */
    static int status(Throwable failure)
    {
        for (Throwable t = failure; t != null; t = t.getCause())
        {
            if (t instanceof TimeoutException)
                return 408;
        }
        return 400;
    }
}
