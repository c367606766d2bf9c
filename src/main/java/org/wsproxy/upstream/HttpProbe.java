package org.wsproxy.upstream;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpMethod;
import org.wsproxy.config.HealthCheckConfig;

/**
 * The HTTP health probe: {@code GET <scheme>://<backend host:port><path>}, healthy when the status is in
 * the configured range within the timeout. The body is discarded. ws/wss backends are probed over http/https.
 */
public final class HttpProbe implements Probe
{
    private final HttpClient client;
    private final HealthCheckConfig config;

    public HttpProbe(HttpClient client, HealthCheckConfig config)
    {
        this.client = client;
        this.config = config;
    }

    static URI target(URI backend, String path)
    {
        String scheme = backend.getScheme().equalsIgnoreCase("https") || backend.getScheme().equalsIgnoreCase("wss") ? "https" : "http";
        return URI.create(scheme + "://" + backend.getRawAuthority() + path);
    }

    @Override
    public CompletableFuture<String> check(Endpoint endpoint)
    {
        CompletableFuture<String> result = new CompletableFuture<>();
        URI target = target(endpoint.uri(), config.path());
        try
        {
            client.newRequest(target)
                .method(HttpMethod.GET)
                .headers(h -> h.put("User-Agent", "wsproxy-health-check"))
                .timeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .send(r ->
                {
                    if (r.isFailed() && (r.getResponse() == null || r.getResponse().getStatus() == 0))
                    {
                        result.complete("GET " + target + ": " + r.getFailure());
                        return;
                    }
                    int status = r.getResponse().getStatus();
                    result.complete(status >= config.minStatus() && status <= config.maxStatus() ? null : "GET " + target + ": status " + status);
                });
        }
        catch (Throwable x)
        {
            result.complete("GET " + target + ": " + x);
        }
        return result;
    }
}
