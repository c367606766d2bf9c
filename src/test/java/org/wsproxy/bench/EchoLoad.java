package org.wsproxy.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * Workloads (a), (b) and (c): {@code connections} WebSockets each keeping {@code window} messages of one
 * size in flight, every echo checked. Many connections with a window is the throughput load; one
 * connection with a window of one is strict ping-pong, for latency; 1 MiB binary messages measure bulk.
 */
final class EchoLoad extends SteadyLoad
{
    private static final int HANDSHAKES_IN_FLIGHT = 64;

    private final URI uri;
    private final int connections;
    private final int window;
    private final EchoPayload payload;
    private final WebSocketClient client = LoadDriver.webSocketClient();
    private final List<EchoConnection> open = new ArrayList<>();

    /**
     * @param perMiB count MiB echoed rather than messages
     * @param messages measuring ends after this many messages echoed (or {@code duration}); 0: no limit
     */
    EchoLoad(URI uri, int connections, int window, EchoPayload payload, boolean perMiB,
             Duration warmup, Duration duration, long messages, ProcessProbe probe)
    {
        super(warmup, duration, messages * payload.size(), probe, perMiB ? "MiB" : "msg", perMiB ? 1024 * 1024 : payload.size());
        this.uri = uri;
        this.connections = connections;
        this.window = window;
        this.payload = payload;
    }

    @Override
    protected void open() throws Exception
    {
        client.start();
        List<EchoConnection> all = new ArrayList<>();
        for (int i = 0; i < connections; i++)
            all.add(new EchoConnection(i, window, Long.MAX_VALUE, payload, this, newLatencies(), errors));
        Handshakes.open(client, uri, all, HANDSHAKES_IN_FLIGHT, new Latencies(), errors);
        for (EchoConnection connection : all)
        {
            if (connection.isOpen())
                open.add(connection);
        }
    }

    @Override
    protected void start()
    {
        open.forEach(EchoConnection::start);
    }

    @Override
    protected boolean drained()
    {
        return open.stream().allMatch(EchoConnection::drained);
    }

    @Override
    protected void close() throws Exception
    {
        long missing = open.stream().mapToLong(EchoConnection::inFlight).sum();
        if (missing > 0)
            errors.add(missing + " echoes never came back");
        open.forEach(EchoConnection::close);
        client.stop();
    }
}
