package org.wsproxy.config;

/**
 * The HTTP proxy servlet's own init-params: how its client to the backends is sized.
 *
 * @param maxConnectionsPerBackend connections kept open to one backend at most; further requests queue
 */
public record HttpClientConfig(int maxConnectionsPerBackend)
{
}
