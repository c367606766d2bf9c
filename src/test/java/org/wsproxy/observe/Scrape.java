package org.wsproxy.observe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** One scrape of the proxy's Prometheus text, read the way Prometheus reads it: series by name and labels. */
final class Scrape
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    final String text;

    private Scrape(String text)
    {
        this.text = text;
    }

    static Scrape of(String url) throws Exception
    {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200)
            throw new AssertionError("scrape of " + url + ": " + response.statusCode() + " " + response.body());
        return new Scrape(response.body());
    }

    /**
     * The value of the series {@code name} whose labels include {@code labels} (name, value, name, value...);
     * an AssertionError when no series or more than one matches.
     */
    double value(String name, String... labels)
    {
        Map<String, String> wanted = new HashMap<>();
        for (int i = 0; i < labels.length; i += 2)
            wanted.put(labels[i], labels[i + 1]);
        Double found = null;
        for (String line : text.split("\n"))
        {
            if (line.startsWith("#"))
                continue;
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String series = brace < 0 ? line.substring(0, space) : line.substring(0, brace);
            if (!series.equals(name))
                continue;
            Map<String, String> have = new HashMap<>();
            if (brace >= 0)
            {
                String inside = line.substring(brace + 1, line.lastIndexOf('}'));
                for (String pair : inside.split(",(?=[a-zA-Z_]+=\")"))
                {
                    int eq = pair.indexOf('=');
                    if (eq > 0)
                        have.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
                }
            }
            if (!have.entrySet().containsAll(wanted.entrySet()))
                continue;
            if (found != null)
                throw new AssertionError("more than one series " + name + " " + wanted + " in:\n" + text);
            found = Double.parseDouble(line.substring(space + 1));
        }
        if (found == null)
            throw new AssertionError("no series " + name + " " + wanted + " in:\n" + text);
        return found;
    }

    long count(String name, String... labels)
    {
        return (long)value(name, labels);
    }
}
