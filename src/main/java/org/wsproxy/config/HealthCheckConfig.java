package org.wsproxy.config;

import java.time.Duration;

/**
 * A pool's active health check (HAProxy {@code check inter rise fall}): every {@code interval}, each backend
 * is probed on {@code path} (an HTTP GET expecting a status from {@code minStatus} to {@code maxStatus}, or
 * a WebSocket handshake expecting 101) within {@code timeout}; {@code fall} failed probes in a row mark it
 * down, {@code rise} good ones in a row mark it up again.
 */
public record HealthCheckConfig(Kind kind, String path, int minStatus, int maxStatus, Duration interval, Duration timeout, int rise, int fall)
{
    public enum Kind
    {
        NONE, HTTP, WEBSOCKET
    }

    public boolean enabled()
    {
        return kind != Kind.NONE;
    }
}
