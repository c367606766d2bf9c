package org.wsproxy.config;

import java.time.Duration;

/**
 * How the proxy stops taking load before it stops (on Jetty's graceful stop, an undeploy, or the admin
 * endpoint's drain call): new upgrades and requests get 503 at once, live WebSocket sessions get
 * {@code timeout} to end by themselves, then the rest are closed with 1001, spread evenly over {@code spread}.
 *
 * @param timeout how long live sessions are left to end by themselves
 * @param spread the window over which the sessions still open after {@code timeout} are closed
 * @param readinessPath the exact path of the readiness answer (200 ready, 503 draining), or "" for none
 */
public record DrainConfig(Duration timeout, Duration spread, String readinessPath)
{
    public boolean readinessEnabled()
    {
        return !readinessPath.isEmpty();
    }
}
