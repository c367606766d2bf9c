package org.wsproxy.upstream;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.HealthCheckConfig;

/**
 * Active health checks of one pool (HAProxy's {@code check inter rise fall}): every interval, each endpoint
 * of the current snapshot is probed, at most one probe per endpoint at a time; {@code fall} failures in a
 * row mark it down, {@code rise} successes in a row mark it up. Endpoints start up, so a deployment serves
 * at once. The marks are the pool's to publish ({@link Pool#markDown}), selection reads them.
 */
public final class HealthChecker extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    private final Pool pool;
    private final HealthCheckConfig config;
    private final Probe probe;
    private final Scheduler scheduler;
    private final Map<Endpoint, Counts> counts = new ConcurrentHashMap<>();
    private volatile Scheduler.Task next;

    /** Good and bad probes in a row for one endpoint; a probe in flight is not started again. */
    private static final class Counts
    {
        final AtomicInteger good = new AtomicInteger();
        final AtomicInteger bad = new AtomicInteger();
        volatile boolean probing;
    }

    public HealthChecker(Pool pool, HealthCheckConfig config, Probe probe, Scheduler scheduler)
    {
        this.pool = pool;
        this.config = config;
        this.probe = probe;
        this.scheduler = scheduler;
    }

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        LOG.info("pool {}: {} health checks of {} every {} (timeout {}, rise {}, fall {})", pool.name(),
            config.kind().name().toLowerCase(java.util.Locale.ROOT), config.path(), config.interval(), config.timeout(), config.rise(), config.fall());
        next = scheduler.schedule(this::round, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws Exception
    {
        Scheduler.Task task = next;
        if (task != null)
            task.cancel();
        super.doStop();
    }

    private void round()
    {
        if (!isRunning())
            return;
        Set<Endpoint> current = Set.copyOf(pool.endpoints());
        counts.keySet().retainAll(current);
        for (Endpoint endpoint : current)
        {
            Counts c = counts.computeIfAbsent(endpoint, e -> new Counts());
            if (c.probing)
                continue;
            c.probing = true;
            probe.check(endpoint).whenComplete((reason, x) ->
            {
                c.probing = false;
                if (x != null)
                    reason = x.toString();
                outcome(endpoint, c, reason);
            });
        }
        if (isRunning())
            next = scheduler.schedule(this::round, config.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void outcome(Endpoint endpoint, Counts c, String failure)
    {
        if (!isRunning())
            return;
        endpoint.countCheck(failure == null);
        if (failure == null)
        {
            c.bad.set(0);
            if (c.good.incrementAndGet() >= config.rise() && !endpoint.isUp())
                pool.markUp(endpoint, c.good.get() + " good probes in a row");
        }
        else
        {
            c.good.set(0);
            if (LOG.isDebugEnabled())
                LOG.debug("pool {}: probe of {} failed: {}", pool.name(), endpoint, failure);
            if (c.bad.incrementAndGet() >= config.fall() && endpoint.isUp())
                pool.markDown(endpoint, c.bad.get() + " failed probes in a row, last: " + failure);
        }
    }

    @Override
    public String toString()
    {
        return "HealthChecker[" + pool.name() + " " + config.kind() + " " + config.path() + "]";
    }
}
