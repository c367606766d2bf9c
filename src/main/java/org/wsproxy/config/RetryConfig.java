package org.wsproxy.config;

import java.time.Duration;

/**
 * Failover of one request (nginx {@code proxy_next_upstream_tries}/{@code _timeout}, Envoy's retry policy):
 * a connect or handshake that fails before anything reached the client is tried on another backend, at
 * most {@code maxAttempts} tries in all and no new try after {@code timeout} from the first.
 */
public record RetryConfig(int maxAttempts, Duration timeout)
{
}
