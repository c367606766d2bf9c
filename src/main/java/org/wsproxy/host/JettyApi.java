package org.wsproxy.host;

import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * What differs, in the Jetty API this WAR uses, between the two Jetty versions it runs in (12.0 and 12.1), found
 * once from the server's own jetty-util (the webapp takes Jetty's classes from the server, WEB-INF/jetty-ee10-web.xml),
 * and the only place that branches on the version. The WAR is compiled against 12.1; the JVM links each call
 * when it first runs, so a 12.1-only call behind a branch that 12.0 never takes is harmless.
 * <p>
 * One difference needs a branch: a 12.1 client transport can be told that its response listeners never block
 * ({@code HttpClientTransport.setInvocationType}), so that a backend's response is handled on the selector thread
 * that read it; 12.0's transports have no such setting and keep their default (a hand-off to a pool thread).
 * <p>
 * The others are written so that the same code links and behaves the same on both:
 * <ul>
 * <li>relay/RelayConnection asks its endpoint for reads with its non-blocking callback ({@code EndPoint.fillInterested},
 * in both), not through 12.1's {@code AbstractConnection.fillInterested(Callback)};</li>
 * <li>http/RequestBody implements {@code IteratingCallback}'s hooks of both: 12.0 calls {@code onCompleteFailure} at
 * once on an abort, 12.1 calls {@code onAborted} first (an override of a method 12.0 lacks is never called there);</li>
 * <li>relay/RelayHandshaker extends websocket-core internals that are the same in 12.0.30 and 12.1.12 (the stock
 * RFC 6455 handshaker differs only in the exception class of a missing key, both a 400).</li>
 * </ul>
 *
 * @param version the server's Jetty version, "12.0.30"
 * @param transportInvocationType whether client transports take {@code setInvocationType} (12.1 on)
 */
public record JettyApi(String version, boolean transportInvocationType)
{
    /** The server's: this webapp's Jetty classes are the server's. */
    public static final JettyApi HOST = of(Jetty.VERSION);

    /** @param version a Jetty version as {@link Jetty#VERSION} says it; anything but 12.0.x counts as 12.1 (what the WAR is built on) */
    static JettyApi of(String version)
    {
        return new JettyApi(version, !version.startsWith("12.0."));
    }

    /**
     * Tells {@code transport} that the listeners of its responses never block, where Jetty can be told (12.1);
     * on 12.0 the transport keeps its default.
     */
    public void nonBlocking(HttpClientTransport transport)
    {
        if (transportInvocationType)
            transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
    }
}
