package org.wsproxy.relay;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.RelayPolicyConfig;
import org.wsproxy.observe.RateLimitedLog;

/**
 * A route's per-session limits and keepalive, shared by its relays: it makes each hop's {@link FrameBudget}
 * and {@link Keepalive} (none when off, so a hop without limits pays nothing per frame), and counts what they
 * did, per cause and hop, for the admin endpoint. A sender can cause these at will, so each cause is logged
 * at most once per {@link #LOG_INTERVAL}, with the count of lines left out.
 */
public final class RelayPolicy
{
    private static final Logger LOG = LoggerFactory.getLogger(RelayPolicy.class);
    static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    /** What the policy did to a hop's session: the first two close it, the third slows it, the last closes it as lost. */
    enum Cause
    {
        MESSAGE_TOO_BIG("messageTooBig"), OVER_RATE("overRate"), SLOWED("slowed"), PING_TIMEOUT("pingTimeout");

        final String label;

        Cause(String label)
        {
            this.label = label;
        }
    }

    private final String route;
    private final RelayPolicyConfig config;
    private final Scheduler scheduler;
    // Indexed by Side.ordinal() then Cause.ordinal().
    private final LongAdder[][] counts = new LongAdder[2][Cause.values().length];
    private final RateLimitedLog[][] logs = new RateLimitedLog[2][Cause.values().length];

    /**
     * @param scheduler the server's scheduler: keepalive checks and the end of a slowed hop's pause run on it
     */
    public RelayPolicy(String route, RelayPolicyConfig config, Scheduler scheduler)
    {
        this.route = route;
        this.config = config;
        this.scheduler = scheduler;
        for (int side = 0; side < 2; side++)
        {
            for (int cause = 0; cause < counts[side].length; cause++)
            {
                counts[side][cause] = new LongAdder();
                logs[side][cause] = new RateLimitedLog(LOG, LOG_INTERVAL);
            }
        }
    }

    public String route()
    {
        return route;
    }

    /** The server's scheduler, for the relay's timers (a close left unanswered). */
    Scheduler scheduler()
    {
        return scheduler;
    }

    /** The limits on what {@code side} sends, or null when it has none. */
    FrameBudget budget(Side side, RelaySide hop)
    {
        RelayPolicyConfig.Direction limits = side == Side.CLIENT ? config.fromClient() : config.fromBackend();
        return limits.limited() ? new FrameBudget(limits, config.rateBurst(), config.slowOverRate(), hop, scheduler) : null;
    }

    /** The keepalive of {@code hop}, or null when pings are off. */
    Keepalive keepalive(RelaySide hop)
    {
        return config.keepalive() ? new Keepalive(hop, scheduler, config.pingInterval(), config.pingTimeout()) : null;
    }

    /** Counts what happened to {@code side}'s session and logs it, at most once per interval per cause. */
    void report(Side side, Cause cause, Relay relay, String what)
    {
        counts[side.ordinal()][cause.ordinal()].increment();
        logs[side.ordinal()][cause.ordinal()].warn("wsproxy route {}: {} {} ({})", route, side.label(), what, relay.describe());
    }

    /** How many times {@code cause} happened to {@code side} on this route since start. */
    long count(Side side, Cause cause)
    {
        return counts[side.ordinal()][cause.ordinal()].sum();
    }

    /** The counts as one line, {@code messageTooBig client=0 backend=0 overRate ...}, for the admin endpoint. */
    public String counts()
    {
        StringBuilder line = new StringBuilder();
        for (Cause cause : Cause.values())
        {
            line.append(line.isEmpty() ? "" : " ").append(cause.label)
                .append(" client=").append(count(Side.CLIENT, cause))
                .append(" backend=").append(count(Side.BACKEND, cause));
        }
        return line.toString();
    }

    @Override
    public String toString()
    {
        return "RelayPolicy[" + route + " " + config + "]";
    }
}
