package org.wsproxy.observe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.wsproxy.testing.ProxyServer;

/** The status page's actions as a script would send them: the token taken from the page, then a POST per action. */
final class StatusActions
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final Pattern TOKEN = Pattern.compile("TOKEN = '([0-9a-f]+)'");

    private final ProxyServer proxy;
    final String token;

    private StatusActions(ProxyServer proxy, String token)
    {
        this.proxy = proxy;
        this.token = token;
    }

    static StatusActions of(ProxyServer proxy) throws Exception
    {
        String page = HTTP.send(HttpRequest.newBuilder(URI.create(proxy.httpUrl("/_wsproxy/status"))).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher matcher = TOKEN.matcher(page);
        if (!matcher.find())
            throw new AssertionError("no token in the page:\n" + page);
        return new StatusActions(proxy, matcher.group(1));
    }

    HttpResponse<String> post(String pool, String backend, String action, String... headers) throws Exception
    {
        return postWithToken(token, pool, backend, action, headers);
    }

    HttpResponse<String> postWithToken(String token, String pool, String backend, String action, String... headers) throws Exception
    {
        String form = "pool=" + URLEncoder.encode(pool, StandardCharsets.UTF_8) + "&backend=" + URLEncoder.encode(backend, StandardCharsets.UTF_8) +
            "&action=" + action; // raw: "weight&weight=7" adds the weight
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(proxy.httpUrl("/_wsproxy/action"))).timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
        if (token != null)
            request.header("X-Wsproxy-Csrf", token);
        for (int i = 0; i < headers.length; i += 2)
            request.header(headers[i], headers[i + 1]);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
