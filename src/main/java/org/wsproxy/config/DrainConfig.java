package org.wsproxy.config;

import java.time.Duration;

/**
 * How the proxy stops taking load before it stops (on Jetty's graceful stop, an undeploy, or the admin
 * endpoint's drain call): the readiness path turns 503 at once, new upgrades and requests are still served for
 * {@code notice} (HTTP answers with {@code Connection: close}) and get 503 after it, live WebSocket sessions get
 * {@code timeout} to end by themselves, then the rest are closed with 1001, spread evenly over {@code spread}.
 *
 * @param notice how long new upgrades and requests are still served after the drain begins (not longer than {@code timeout})
 * @param timeout how long live sessions are left to end by themselves
 * @param spread the window over which the sessions still open after {@code timeout} are closed
 * @param readinessPath the exact path of the readiness answer (200 ready, 503 draining), or "" for none
 */
public record DrainConfig(Duration notice, Duration timeout, Duration spread, String readinessPath)
{
    public boolean readinessEnabled()
    {
        return !readinessPath.isEmpty();
    }
}
