package org.wsproxy.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * Workload (d): opens {@code connections} WebSockets, {@code inFlight} handshakes at a time, and holds them
 * open doing nothing. Measured: handshakes per second and the proxy's CPU time per handshake while
 * opening; the memory the proxy needs per idle connection ({@link ProcessProbe#memory()} before and
 * after; each open WebSocket holds two connections in the proxy, the client's and the backend's). Then
 * each connection echoes one message, to show it is really open end to end, and all are closed.
 */
final class IdleLoad implements Tally
{
    private static final Duration ECHO_TIMEOUT = Duration.ofSeconds(30);

    private final URI uri;
    private final int connections;
    private final int inFlight;
    private final ProcessProbe probe;
    private final Duration hold;
    private final Errors errors = new Errors();
    private final Latencies echoes = new Latencies();

    /**
     * @param hold how long to keep the connections open once measured, to look at the proxy meanwhile
     */
    IdleLoad(URI uri, int connections, int inFlight, ProcessProbe probe, Duration hold)
    {
        this.hold = hold;
        this.uri = uri;
        this.connections = connections;
        this.inFlight = inFlight;
        this.probe = probe;
    }

    Result run() throws Exception
    {
        WebSocketClient client = LoadDriver.webSocketClient();
        client.start();
        List<EchoConnection> all = new ArrayList<>();
        EchoPayload payload = new EchoPayload(16, false);
        for (int i = 0; i < connections; i++)
            all.add(new EchoConnection(i, 1, 1, payload, this, echoes, errors));
        try
        {
            ProcessProbe.Memory memoryBefore = probe == null ? null : probe.memory();
            long cpuBefore = probe == null ? 0 : probe.cpuNanos();
            long begin = System.nanoTime();
            Latencies handshakes = new Latencies();
            int opened = Handshakes.open(client, uri, all, inFlight, handshakes, errors);
            long end = System.nanoTime();
            long cpu = probe == null ? -1 : probe.cpuNanos() - cpuBefore;
            long memoryPerConnection = Result.NOT_MEASURED;
            if (probe != null && opened > 0)
            {
                ProcessProbe.Memory memoryAfter = probe.memory();
                memoryPerConnection = (memoryAfter.total() - memoryBefore.total()) / opened;
                LoadDriver.progress(String.format("memory per connection: %.1f KiB outside the Java heap, %.1f KiB live heap",
                    (memoryAfter.outsideHeap() - memoryBefore.outsideHeap()) / 1024.0 / opened,
                    (memoryAfter.liveHeap() - memoryBefore.liveHeap()) / 1024.0 / opened));
            }
            LoadDriver.progress(String.format("%,d open; each echoes one message", opened));
            checkEchoes(all);
            if (!hold.isZero())
            {
                LoadDriver.progress(String.format("holding %,d connections open for %d s", opened, hold.toSeconds()));
                Thread.sleep(hold.toMillis());
            }
            Latencies sorted = Latencies.merge(List.of(handshakes));
            return new Result(opened, (end - begin) / 1e9, sorted.percentile(50), sorted.percentile(90),
                sorted.percentile(99), sorted.percentile(100), echoes.count(), errors.count(), errors.first(), cpu, memoryPerConnection);
        }
        finally
        {
            // Wait for the close handshakes, so that the proxy has let go of these connections when this exits
            // (the next run's "before" must not count them).
            all.forEach(EchoConnection::close);
            long deadline = System.nanoTime() + ECHO_TIMEOUT.toNanos();
            while (!all.stream().allMatch(EchoConnection::isClosed) && System.nanoTime() < deadline)
                Thread.sleep(10);
            client.stop();
        }
    }

    private void checkEchoes(List<EchoConnection> all) throws InterruptedException
    {
        List<EchoConnection> open = all.stream().filter(EchoConnection::isOpen).toList();
        open.forEach(EchoConnection::start);
        long deadline = System.nanoTime() + ECHO_TIMEOUT.toNanos();
        while (!open.stream().allMatch(EchoConnection::drained) && System.nanoTime() < deadline)
            Thread.sleep(10);
        long missing = open.stream().mapToLong(EchoConnection::inFlight).sum();
        if (missing > 0)
            errors.add(missing + " idle connections did not echo");
    }

    @Override
    public void done(Latencies recorder, long nanos, long work)
    {
        synchronized (recorder)
        {
            recorder.record(nanos);
        }
    }

    @Override
    public boolean running()
    {
        return false;
    }
}
