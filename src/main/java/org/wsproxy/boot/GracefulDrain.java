package org.wsproxy.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.AutoLock;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.DrainConfig;
import org.wsproxy.drain.Draining;
import org.wsproxy.relay.Relay;
import org.wsproxy.websocket.WebSocketProxy;

/**
 * Takes the instance out of service without cutting anyone off: {@link Draining} turns on (readiness 503; new
 * upgrades and requests 503 once {@code drainNotice} is over, served until then), live WebSocket sessions get
 * {@code drainTimeout} to end by themselves, then those left are closed with 1001 {@value #REASON} on both hops,
 * a few at a time over {@code drainSpread}, so that their clients do not all reconnect in the same second.
 * <p>It is Jetty's {@link Graceful}: registered on the webapp's context, so a server stop with a
 * {@code stopTimeout} (SIGTERM in jetty-home) calls {@link #shutdown()} and waits for the returned future,
 * before it closes the connectors, for at most that timeout. The admin endpoint's drain call and an undeploy
 * start the same drain ({@link #drain(String)}).</p>
 */
public class GracefulDrain extends ContainerLifeCycle implements Graceful
{
    /** The close reason both hops of a session still open at the end of the drain get, with 1001. */
    public static final String REASON = "Going Away: proxy restarting";
    private static final Logger LOG = LoggerFactory.getLogger(GracefulDrain.class);
    /** How often the live sessions are counted, to complete the drain as soon as the last one has ended. */
    private static final Duration CHECK_INTERVAL = Duration.ofMillis(100);
    /** Closes are sent in batches at least this far apart: the spread is coarser than this only when sessions are few. */
    private static final Duration MIN_TICK = Duration.ofMillis(10);

    private final DrainConfig config;
    private final Draining draining;
    private final WebSocketProxy webSocketProxy;
    private final Scheduler scheduler;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final AutoLock lock = new AutoLock();
    // Guarded by lock: the next count and the next close batch, cancelled when this stops.
    private Scheduler.Task checkTask;
    private Scheduler.Task closeTask;
    private volatile long startNanos;

    public GracefulDrain(DrainConfig config, Draining draining, WebSocketProxy webSocketProxy, Scheduler scheduler)
    {
        this.config = config;
        this.draining = draining;
        this.webSocketProxy = webSocketProxy;
        this.scheduler = scheduler;
    }

    /**
     * Jetty's graceful stop: starts the drain, and the future completes once the notice is over and no session and no
     * HTTP request is left.
     */
    @Override
    public CompletableFuture<Void> shutdown()
    {
        return drain("Jetty is stopping");
    }

    @Override
    public boolean isShutdown()
    {
        return draining.isDraining();
    }

    /**
     * Starts the drain, once; later calls return the same future.
     *
     * @param why what asked for it, for the log
     * @return completed once the notice is over and no WebSocket session and no plain HTTP request is left
     */
    public CompletableFuture<Void> drain(String why)
    {
        if (!draining.begin(why))
            return drained;
        startNanos = System.nanoTime();
        int live = webSocketProxy.relayCount();
        LOG.info("wsproxy: draining ({}): readiness 503; new upgrades and requests get 503{}; {} live WebSocket session(s) have {} to end, then get 1001 over {}",
            why, config.notice().isZero() ? "" : " after a notice of " + millis(config.notice()) + " (served until then, HTTP with Connection: close)",
            live, millis(config.timeout()), millis(config.spread()));
        scheduleClose(this::closeRemaining, config.timeout());
        check();
        return drained;
    }

    /** How long the drain has run, or null when it has not started. */
    public Duration elapsed()
    {
        return draining.isDraining() ? Duration.ofNanos(System.nanoTime() - startNanos) : null;
    }

    public DrainConfig config()
    {
        return config;
    }

    private void check()
    {
        // Not before the notice is over: until then new requests and upgrades are still taken.
        if (draining.refusesNew() && webSocketProxy.relayCount() == 0 && draining.requestsInFlight() <= 0)
        {
            if (drained.complete(null))
                LOG.info("wsproxy: drained: no live WebSocket session or HTTP request left after {} ms", elapsed().toMillis());
            // The close task stays: a session whose handshake was under way may still open, and is closed then.
            return;
        }
        scheduleCheck();
    }

    /** The drain timeout is over: the sessions still open are closed, evenly over the spread. */
    private void closeRemaining()
    {
        List<Relay> left = new ArrayList<>(webSocketProxy.relays());
        if (left.isEmpty())
            return;
        long spread = config.spread().toMillis();
        long tick = left.size() <= 1 ? spread : Math.max(MIN_TICK.toMillis(), spread / left.size());
        int perTick = spread == 0 ? left.size() : (int)Math.max(1, Math.ceil(left.size() * (double)tick / spread));
        LOG.info("wsproxy: drain timeout ({}) over: closing {} WebSocket session(s) still open with 1001 '{}' over {}",
            millis(config.timeout()), left.size(), REASON, millis(config.spread()));
        closeBatch(left.iterator(), perTick, Duration.ofMillis(tick));
    }

    private void closeBatch(Iterator<Relay> left, int perTick, Duration tick)
    {
        for (int i = 0; i < perTick && left.hasNext(); i++)
            left.next().shutdown(REASON);
        if (left.hasNext())
        {
            scheduleClose(() -> closeBatch(left, perTick, tick), tick);
            return;
        }
        // Sessions whose backend handshake was under way when the drain began opened since: they go now.
        for (Relay relay : webSocketProxy.relays())
            relay.shutdown(REASON);
    }

    private void scheduleCheck()
    {
        try (AutoLock ignored = lock.lock())
        {
            if (isRunning())
                checkTask = scheduler.schedule(this::check, CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void scheduleClose(Runnable task, Duration delay)
    {
        try (AutoLock ignored = lock.lock())
        {
            if (isRunning())
                closeTask = scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void cancel()
    {
        try (AutoLock ignored = lock.lock())
        {
            if (checkTask != null)
                checkTask.cancel();
            if (closeTask != null)
                closeTask.cancel();
        }
    }

    @Override
    protected void doStop() throws Exception
    {
        cancel();
        super.doStop();
    }

    private static String millis(Duration duration)
    {
        return duration.toMillis() + "ms";
    }

    @Override
    public String toString()
    {
        return "GracefulDrain[" + draining + " timeout=" + config.timeout() + " spread=" + config.spread() + "]";
    }
}
