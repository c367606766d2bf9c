package org.wsproxy.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * The load generator, a process of its own so that its CPU is never counted as the proxy's: runs one
 * workload against one URL and prints {@code PROGRESS ...} lines while it runs and one
 * {@code RESULT ...} line ({@link Result}) at the end. Started by {@link Benchmark}, which passes:
 * <ul>
 * <li>{@code --workload echo|idle|http} and {@code --url} (ws:// for the first two, http:// for the last)</li>
 * <li>echo: {@code --connections --window --size --binary --per-mib --warmup --duration}, {@code --messages N} to stop
 * measuring after N messages</li>
 * <li>idle: {@code --connections --in-flight}, and {@code --hold 60s} to keep them open after; http: {@code --connections --warmup --duration}</li>
 * <li>{@code --pids} the proxy's processes, whose CPU time and RSS are read, and {@code --jcmd} to GC it
 * (absent for direct runs)</li>
 * </ul>
 */
public final class LoadDriver
{
    static final String PROGRESS = "PROGRESS ";
    private static final Set<String> FLAGS = Set.of("workload", "url", "connections", "window", "size", "binary", "messages",
        "per-mib", "warmup", "duration", "in-flight", "hold", "pids", "jcmd");

    private LoadDriver()
    {
    }

    public static void main(String[] args) throws Exception
    {
        Flags flags = Flags.parse(args);
        flags.rejectUnknown(FLAGS);
        URI uri = URI.create(flags.string("url", "ws://127.0.0.1:8080/ws/echo"));
        String pids = flags.string("pids", "");
        ProcessProbe probe = null;
        if (!pids.isEmpty())
        {
            List<Long> list = Arrays.stream(pids.split(",")).map(Long::parseLong).toList();
            String jcmd = flags.string("jcmd", "");
            probe = new ProcessProbe(list, jcmd.isEmpty() ? null : Path.of(jcmd));
        }
        int connections = flags.integer("connections", 1);
        Duration warmup = flags.duration("warmup", Duration.ofSeconds(2));
        Duration duration = flags.duration("duration", Duration.ofSeconds(5));
        String workload = flags.string("workload", "echo");
        Result result = switch (workload)
        {
            case "echo" -> new EchoLoad(uri, connections, flags.integer("window", 1),
                new EchoPayload(flags.bytes("size", 64), flags.bool("binary", false)), flags.bool("per-mib", false),
                warmup, duration, flags.integer("messages", 0), probe).run();
            case "idle" -> new IdleLoad(uri, connections, flags.integer("in-flight", 64), probe,
                flags.duration("hold", Duration.ZERO)).run();
            case "http" -> new HttpLoad(uri, connections, warmup, duration, probe).run();
            default -> throw new IllegalArgumentException("--workload is echo, idle or http, not " + workload);
        };
        System.out.println(result.toLine());
        System.out.flush();
        // Jetty's non-daemon threads are stopped by now, but nothing must keep this process alive.
        System.exit(0);
    }

    static void progress(String line)
    {
        System.out.println(PROGRESS + line);
        System.out.flush();
    }

    /** A client for the load: no limits on message size, no idle timeout while connections wait. */
    static WebSocketClient webSocketClient()
    {
        WebSocketClient client = new WebSocketClient();
        client.setIdleTimeout(Duration.ofHours(1));
        client.setMaxTextMessageSize(Long.MAX_VALUE);
        client.setMaxBinaryMessageSize(Long.MAX_VALUE);
        client.setStopAtShutdown(false);
        return client;
    }
}
