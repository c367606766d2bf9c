package org.wsproxy.upstream;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsproxy.config.PassiveHealthConfig;

/**
 * Passive health, Envoy's outlier detection in small: the data path reports each connect or handshake
 * outcome; this decides. {@code maxFails} failures in a row eject the endpoint for {@code failTimeout}
 * times the number of ejections in a row (capped at {@code maxEjection}), so a backend that keeps failing
 * is tried less and less often; once the time is up it is eligible again and the next outcome tells.
 * A success ends the run of failures and of ejections.
 */
final class OutlierDetector
{
    private static final Logger LOG = LoggerFactory.getLogger(OutlierDetector.class);

    private final String pool;
    private final int maxFails;
    private final long failTimeoutNanos;
    private final long maxEjectionNanos;

    OutlierDetector(String pool, PassiveHealthConfig config)
    {
        this.pool = pool;
        this.maxFails = config.maxFails();
        this.failTimeoutNanos = config.failTimeout().toNanos();
        this.maxEjectionNanos = config.maxEjection().toNanos();
    }

    void failure(Endpoint endpoint, long now)
    {
        // Dated even while ejected: when every backend is ejected, the pool tries the least recently failed first.
        endpoint.countFailure(now);
        long ejectFor = 0;
        int ejections;
        synchronized (endpoint)
        {
            // Failures of sessions that started before the ejection do not extend it.
            if (endpoint.isEjected(now))
                return;
            if (++endpoint.consecutiveFailures < maxFails)
                return;
            endpoint.consecutiveFailures = 0;
            ejections = ++endpoint.ejections;
            ejectFor = Math.min(maxEjectionNanos, failTimeoutNanos * ejections);
            if (ejectFor > 0)
                endpoint.ejectUntil(now + ejectFor);
        }
        if (ejectFor > 0)
            LOG.info("pool {}: {} ejected for {} after {} failure(s) in a row (ejection {} in a row)",
                pool, endpoint, Duration.ofNanos(ejectFor), maxFails, ejections);
    }

    void success(Endpoint endpoint)
    {
        boolean recovered;
        synchronized (endpoint)
        {
            recovered = endpoint.ejections > 0;
            endpoint.consecutiveFailures = 0;
            endpoint.ejections = 0;
        }
        if (recovered)
            LOG.info("pool {}: {} answered again after its ejection", pool, endpoint);
    }
}
