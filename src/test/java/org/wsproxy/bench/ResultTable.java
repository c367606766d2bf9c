package org.wsproxy.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The benchmark's table, in Markdown so that it reads in a terminal and pastes into the README: a row per
 * workload and target, throughput as a ratio of direct (the floor), proxy CPU per unit and memory per idle
 * connection as ratios of nginx.
 */
final class ResultTable
{
    /** One measured row. */
    record Row(Workload workload, Target target, Result result)
    {
    }

    private ResultTable()
    {
    }

    static String format(List<Row> rows)
    {
        StringBuilder table = new StringBuilder();
        table.append("| workload | via | throughput | p50 | p90 | p99 | max | proxy CPU per unit | proxy memory per idle WebSocket | errors |\n");
        table.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        String lastKey = null;
        for (Row row : rows)
        {
            Result result = row.result();
            String key = row.workload().key();
            Optional<Result> direct = find(rows, key, "direct");
            Optional<Result> nginx = find(rows, key, "nginx");
            String unit = row.workload().unit();
            String throughput = String.format(Locale.ROOT, "%s %s/s", number(result.throughput()), unit);
            if (!row.target().name().equals("direct") && direct.isPresent() && direct.get().throughput() > 0)
                throughput += String.format(Locale.ROOT, " (%.2f× direct)", result.throughput() / direct.get().throughput());
            String cpu = "";
            if (result.cpuMicrosPerUnit() >= 0)
            {
                cpu = unit.equals("MiB")
                    ? String.format(Locale.ROOT, "%.2f ms/MiB", result.cpuMicrosPerUnit() / 1000)
                    : String.format(Locale.ROOT, "%.1f µs/%s", result.cpuMicrosPerUnit(), unit);
                if ((row.target().name().equals("wsproxy") || row.target().name().startsWith("jetty-")) && nginx.isPresent() && nginx.get().cpuMicrosPerUnit() > 0)
                    cpu += String.format(Locale.ROOT, " (%.2f× nginx)", result.cpuMicrosPerUnit() / nginx.get().cpuMicrosPerUnit());
            }
            String rss = "";
            if (result.hasRss())
            {
                rss = String.format(Locale.ROOT, "%.1f KiB", result.rssPerConnection() / 1024.0);
                if (row.target().name().equals("wsproxy") && nginx.isPresent() && nginx.get().rssPerConnection() > 0)
                    rss += String.format(Locale.ROOT, " (%.2f× nginx)", (double)result.rssPerConnection() / nginx.get().rssPerConnection());
            }
            String errors = result.errors() == 0 ? "0" : result.errors() + " (" + result.firstError() + ")";
            table.append("| ").append(key.equals(lastKey) ? "" : row.workload().title())
                .append(" | ").append(row.target().name())
                .append(" | ").append(throughput)
                .append(" | ").append(latency(result.p50()))
                .append(" | ").append(latency(result.p90()))
                .append(" | ").append(latency(result.p99()))
                .append(" | ").append(latency(result.max()))
                .append(" | ").append(cpu)
                .append(" | ").append(rss)
                .append(" | ").append(errors)
                .append(" |\n");
            lastKey = key;
        }
        return table.toString();
    }

    private static Optional<Result> find(List<Row> rows, String key, String target)
    {
        return rows.stream()
            .filter(row -> row.workload().key().equals(key) && row.target().name().equals(target))
            .map(Row::result)
            .findFirst();
    }

    private static String number(double value)
    {
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.1f", value);
    }

    static String latency(long nanos)
    {
        if (nanos < 1_000_000)
            return String.format(Locale.ROOT, "%d µs", nanos / 1000);
        if (nanos < 1_000_000_000)
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
