package org.wsproxy.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deadline for a request's line and headers (nginx's {@code client_header_timeout}), which Jetty 12.1 does
 * not have: its idle timeout starts again at every byte, so a client sending a byte a second holds a
 * connection for as long as it likes, and 500 of them hold 500.
 * <p>A bean of the {@link Server} (etc/wsproxy-header-timeout.xml): at start it listens to every connector's
 * connections and keeps the HTTP/1 ones; every sweep it closes those whose current request has not finished
 * its headers within the timeout, counted from the request's first byte, or, for a connection's first request,
 * from the connection's opening (as nginx counts). A connection waiting between two requests is the idle
 * timeout's business; one that went on to a body, a response or a WebSocket is not looked at (an upgraded
 * connection is no longer HTTP/1 and leaves the map).</p>
 * <p>The connection is closed without an answer, as nginx does. Closing it from here fails its read interest
 * on this thread; Jetty's path for a client that drops a half-sent request (a 400 run "immediately", on a
 * thread of its own: see {@link ProxyThreadPool}) is not taken.</p>
 * <p>It reads Jetty's HTTP/1 connection ({@code org.eclipse.jetty.server.internal.HttpConnection}) and its
 * parser's state, which the parser publishes through a volatile field; the begin time is written before that
 * field. That is Jetty's internal API: {@code HeaderTimeoutIT} checks it against the jetty-home the project
 * pins.</p>
 */
@ManagedObject("Closes connections whose request headers take too long")
public class RequestHeaderTimeout extends AbstractLifeCycle implements Connection.Listener
{
    private static final Logger LOG = LoggerFactory.getLogger(RequestHeaderTimeout.class);

    private final Server server;
    private final long timeoutMillis;
    private final Map<HttpConnection, Long> connections = new ConcurrentHashMap<>();
    private final LongAdder closed = new LongAdder();
    private volatile Scheduler.Task next;

    /**
     * @param timeoutMillis the longest a request's line and headers may take; 0 or less turns the deadline off
     */
    public RequestHeaderTimeout(@Name("server") Server server, @Name("timeoutMillis") long timeoutMillis)
    {
        this.server = server;
        this.timeoutMillis = timeoutMillis;
    }

    @ManagedAttribute("The longest a request's line and headers may take, in ms (0: no deadline)")
    public long getTimeoutMillis()
    {
        return timeoutMillis;
    }

    @ManagedAttribute("Connections closed because their request headers took too long")
    public long getClosed()
    {
        return closed.sum();
    }

    @ManagedAttribute("HTTP/1 connections watched")
    public int getWatched()
    {
        return connections.size();
    }

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        if (timeoutMillis <= 0)
        {
            LOG.info("wsproxy: no deadline for request headers");
            return;
        }
        for (Connector connector : server.getConnectors())
            connector.addEventListener(this);
        LOG.info("wsproxy: request line and headers must arrive within {} ms", timeoutMillis);
        schedule();
    }

    @Override
    protected void doStop() throws Exception
    {
        Scheduler.Task task = next;
        if (task != null)
            task.cancel();
        for (Connector connector : server.getConnectors())
            connector.removeEventListener(this);
        connections.clear();
        super.doStop();
    }

    /** A quarter of the timeout, between 100 ms and 1 s: a connection is closed at most that late. */
    private long period()
    {
        return Math.max(100, Math.min(1000, timeoutMillis / 4));
    }

    private void schedule()
    {
        if (isRunning())
            next = server.getScheduler().schedule(this::sweep, period(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection)
    {
        if (connection instanceof HttpConnection http)
            connections.put(http, NanoTime.now());
    }

    @Override
    public void onClosed(Connection connection)
    {
        connections.remove(connection);
    }

    private void sweep()
    {
        try
        {
            long now = NanoTime.now();
            long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            for (Map.Entry<HttpConnection, Long> entry : connections.entrySet())
            {
                HttpConnection connection = entry.getKey();
                long began = requestBegan(connection, entry.getValue());
                if (began != 0 && now - began >= timeoutNanos)
                {
                    connections.remove(connection);
                    closed.increment();
                    if (LOG.isDebugEnabled())
                        LOG.debug("closing {}: request headers not complete after {} ms", connection, TimeUnit.NANOSECONDS.toMillis(now - began));
                    connection.getEndPoint().close(new TimeoutException("request headers not complete within " + timeoutMillis + " ms"));
                }
            }
        }
        catch (Throwable x)
        {
            LOG.warn("wsproxy: request header sweep failed", x);
        }
        finally
        {
            schedule();
        }
    }

    /**
     * When the headers being awaited began to be awaited, or 0 when none are: the request's first byte, or
     * the connection's opening for its first request.
     */
    private static long requestBegan(HttpConnection connection, long opened)
    {
        HttpParser parser = connection.getParser();
        // Read first: a volatile field, written after the begin time.
        HttpParser.State state = parser.getState();
        if (state == HttpParser.State.START)
            return connection.getMessagesIn() == 0 ? opened : 0;
        if (state.ordinal() >= HttpParser.State.CONTENT.ordinal())
            return 0;
        long begin = parser.getBeginNanoTime();
        return begin != 0 ? begin : opened;
    }

    @Override
    public String toString()
    {
        return String.format("%s@%x{timeout=%dms,watched=%d,closed=%d}", getClass().getSimpleName(), hashCode(), timeoutMillis, getWatched(), getClosed());
    }
}
