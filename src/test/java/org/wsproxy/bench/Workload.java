package org.wsproxy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the benchmark's five workloads, as the load driver's flags, with how its figures are shown.
 *
 * @param key a to e, as in the issue and the README
 * @param title what it is, with its sizes
 * @param unit what one unit of work is: msg, MiB, handshake or req
 * @param http whether it goes to the page rather than the WebSocket echo
 * @param args the driver's flags, the URL and probe aside
 * @param timeout how long its driver may take in all before it is taken as hung
 */
record Workload(String key, String title, String unit, boolean http, List<String> args, Duration timeout)
{
    static final List<String> KEYS = List.of("a", "b", "c", "d", "e");
    /** Not a workload of its own: each target restarted, then its first upgrades and its first messages ({@link #cold}). */
    static final String COLD = "cold";
    /** What {@code --workloads} is when not given: everything. */
    static final String ALL = String.join(",", KEYS) + "," + COLD;

    /** The workloads named in {@code --workloads} (default all), sized by the benchmark's flags. */
    static List<Workload> from(Flags flags)
    {
        Duration warmup = flags.duration("warmup", Duration.ofSeconds(2));
        Duration duration = flags.duration("duration", Duration.ofSeconds(6));
        Duration steady = warmup.plus(duration).plusSeconds(90);
        String timing = "--warmup=" + warmup.toMillis() + "ms --duration=" + duration.toMillis() + "ms";
        boolean binary = flags.bool("binary", false);
        String kind = binary ? "binary" : "text";
        int connections = flags.integer("connections", 100);
        int window = flags.integer("window", 16);
        int size = flags.bytes("size", 64);
        int largeConnections = flags.integer("large-connections", 4);
        int largeSize = flags.bytes("large-size", 1024 * 1024);
        int idle = flags.integer("idle", 5000);
        int idleInFlight = flags.integer("idle-in-flight", 100);
        int httpConnections = flags.integer("http-connections", 32);

        List<Workload> all = List.of(
            new Workload("a", String.format("(a) echo, %d B %s, %d conn x %d in flight", size, kind, connections, window),
                "msg", false, args("--workload=echo --connections=" + connections + " --window=" + window + " --size=" + size +
                " --binary=" + binary + " " + timing), steady),
            new Workload("b", String.format("(b) ping-pong, %d B %s, 1 conn", size, kind),
                "msg", false, args("--workload=echo --connections=1 --window=1 --size=" + size + " --binary=" + binary + " " + timing),
                steady),
            new Workload("c", String.format("(c) large, %s binary, %d conn x 2 in flight", sizeName(largeSize), largeConnections),
                "MiB", false, args("--workload=echo --connections=" + largeConnections + " --window=2 --binary=true --per-mib=true --size=" +
                largeSize + " " + timing), steady),
            new Workload("d", String.format("(d) idle, %,d conn opened %d at a time", idle, idleInFlight),
                "handshake", false, args("--workload=idle --connections=" + idle + " --in-flight=" + idleInFlight), Duration.ofMinutes(5)),
            new Workload("e", String.format("(e) HTTP GET %d B page, %d conn", BenchBackend.PAGE.length(), httpConnections),
                "req", true, args("--workload=http --connections=" + httpConnections + " " + timing), steady));
        List<String> chosen = List.of(flags.string("workloads", ALL).split(","));
        List<Workload> workloads = new ArrayList<>();
        for (Workload workload : all)
        {
            if (chosen.contains(workload.key()))
                workloads.add(workload);
        }
        for (String key : chosen)
        {
            if (!KEYS.contains(key) && !key.equals(COLD))
                throw new IllegalArgumentException("--workloads takes a comma-separated subset of " + KEYS + " and " + COLD +
                    ", not '" + key + "'");
        }
        return workloads;
    }

    /** Whether {@code --workloads} names {@link #COLD}. */
    static boolean coldWanted(Flags flags)
    {
        return List.of(flags.string("workloads", ALL).split(",")).contains(COLD);
    }

    /**
     * The start-up rows: what a proxy restarted in a rolling deploy costs before its JIT has compiled anything. Each
     * runs on servers started for it alone, with no warm-up: the first {@code --cold-upgrades} (2,000) WebSocket
     * handshakes, 100 at a time, then, on servers started again, the first {@code --cold-messages} (10,000) messages of
     * workload (a)'s shape (its 100 connections are opened first, unmeasured).
     */
    static List<Workload> cold(Flags flags)
    {
        int upgrades = flags.integer("cold-upgrades", 2000);
        int messages = flags.integer("cold-messages", 10000);
        int idleInFlight = flags.integer("idle-in-flight", 100);
        int connections = flags.integer("connections", 100);
        int window = flags.integer("window", 16);
        int size = flags.bytes("size", 64);
        return List.of(
            new Workload("d-cold", String.format("(d) cold: the first %,d upgrades after start, %d at a time", upgrades, idleInFlight),
                "handshake", false, args("--workload=idle --connections=" + upgrades + " --in-flight=" + idleInFlight), Duration.ofMinutes(5)),
            new Workload("a-cold", String.format("(a) cold: the first %,d messages after start, %d B text, %d conn x %d in flight", messages,
                size, connections, window), "msg", false, args("--workload=echo --connections=" + connections + " --window=" + window +
                " --size=" + size + " --warmup=0ms --duration=120s --messages=" + messages), Duration.ofMinutes(3)));
    }

    private static List<String> args(String line)
    {
        return List.of(line.split(" "));
    }

    private static String sizeName(int bytes)
    {
        if (bytes % (1024 * 1024) == 0)
            return bytes / (1024 * 1024) + " MiB";
        if (bytes % 1024 == 0)
            return bytes / 1024 + " KiB";
        return bytes + " B";
    }
}
