package org.wsproxy.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one workload measured against one target, sent by the {@link LoadDriver} to the {@link Benchmark}
 * as one line of tab-separated {@code key=value} fields.
 *
 * @param units units of work done while measuring (messages, MiB, handshakes, requests)
 * @param seconds how long the measurement lasted
 * @param p50 latency percentiles and maximum, in nanoseconds
 * @param checked messages or responses verified, warm-up included
 * @param errors everything that went wrong: bad or missing echoes, failed sends, connects or requests
 * @param firstError what the first error was, or empty
 * @param proxyCpuNanos CPU time the proxy's processes used while measuring, or -1 when there is no proxy
 * @param rssPerConnection extra resident memory per idle connection, in bytes (it can be negative: a JVM may
 *        give memory back), or {@link #NOT_MEASURED}
 */
record Result(double units, double seconds, long p50, long p90, long p99, long max, long checked, long errors,
              String firstError, long proxyCpuNanos, long rssPerConnection)
{
    static final String PREFIX = "RESULT\t";
    static final long NOT_MEASURED = Long.MIN_VALUE;

    double throughput()
    {
        return seconds > 0 ? units / seconds : 0;
    }

    /** Proxy CPU time per unit of work, in microseconds, or -1. */
    double cpuMicrosPerUnit()
    {
        return proxyCpuNanos < 0 || units <= 0 ? -1 : proxyCpuNanos / 1000.0 / units;
    }

    boolean hasRss()
    {
        return rssPerConnection != NOT_MEASURED;
    }

    String toLine()
    {
        return PREFIX + "units=" + units + "\tseconds=" + seconds + "\tp50=" + p50 + "\tp90=" + p90 + "\tp99=" + p99 +
            "\tmax=" + max + "\tchecked=" + checked + "\terrors=" + errors + "\tproxyCpuNanos=" + proxyCpuNanos +
            "\trssPerConnection=" + rssPerConnection + "\tfirstError=" + firstError.replaceAll("[\t\r\n]+", " ");
    }

    static Result fromLine(String line)
    {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : line.substring(PREFIX.length()).split("\t"))
        {
            int equals = field.indexOf('=');
            fields.put(field.substring(0, equals), field.substring(equals + 1));
        }
        return new Result(Double.parseDouble(fields.get("units")), Double.parseDouble(fields.get("seconds")),
            Long.parseLong(fields.get("p50")), Long.parseLong(fields.get("p90")), Long.parseLong(fields.get("p99")),
            Long.parseLong(fields.get("max")), Long.parseLong(fields.get("checked")), Long.parseLong(fields.get("errors")),
            fields.getOrDefault("firstError", ""), Long.parseLong(fields.get("proxyCpuNanos")),
            Long.parseLong(fields.get("rssPerConnection")));
    }

    /** A result for a run that produced none (the driver failed), counted as one error. */
    static Result failed(String why)
    {
        return new Result(0, 0, 0, 0, 0, 0, 0, 1, why, -1, NOT_MEASURED);
    }
}
