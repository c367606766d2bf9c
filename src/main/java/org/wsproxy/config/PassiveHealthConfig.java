package org.wsproxy.config;

import java.time.Duration;

/**
 * Passive health of a pool's backends (nginx {@code max_fails}/{@code fail_timeout}, Envoy outlier detection):
 * {@code maxFails} failed connects or handshakes in a row eject a backend; the n-th ejection in a row (no
 * success in between) lasts n × {@code failTimeout}, at most {@code maxEjection}.
 */
public record PassiveHealthConfig(int maxFails, Duration failTimeout, Duration maxEjection)
{
}
