package org.wsproxy.config;

import java.time.Duration;

/**
 * How the HTTP proxy takes in request bodies, so that a slow client cannot hold a backend's connections
 * (nginx {@code proxy_request_buffering}, {@code client_body_timeout}, {@code limit_conn}).
 *
 * @param bufferSize the first this many bytes of a body are read before a backend is chosen and a connection to it
 * taken; a body no longer than this goes to the backend whole, a longer one is streamed from there on; 0 streams
 * every body from the start
 * @param timeout the longest a client may stay silent while it sends a body, then 408; zero means never
 * @param maxPerClient requests from one client address whose bodies are being received at the same time; more get 429
 */
public record RequestBodyConfig(int bufferSize, Duration timeout, int maxPerClient)
{
}
