package org.wsproxy.e2e;

import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A JDK {@code java.net.http.WebSocket} listener for the end-to-end tests (an independent client, not
 * Jetty's): whole text and binary messages, pings and pongs in queues, the close as "code reason".
 */
final class JdkWebSocketRecorder implements WebSocket.Listener
{
    final CompletableFuture<String> closed = new CompletableFuture<>();
    /** The payloads of the pings received, as text. */
    final BlockingQueue<String> pings = new LinkedBlockingQueue<>();
    /** The payloads of the pongs received, as text. */
    final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
    /**
     * The sizes of the parts each whole binary message came in, in the order of {@link #nextBinary}: the JDK hands a
     * frame's payload over as one part or several, never two frames as one, so on a loopback connection and for small
     * frames the parts are the frames.
     */
    final BlockingQueue<List<Integer>> binaryPartSizes = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
    private final StringBuilder textParts = new StringBuilder();
    private final ByteArrayOutputStream binaryParts = new ByteArrayOutputStream();
    private List<Integer> partSizes = new ArrayList<>();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last)
    {
        textParts.append(data);
        if (last)
        {
            texts.add(textParts.toString());
            textParts.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last)
    {
        byte[] part = new byte[data.remaining()];
        data.get(part);
        binaryParts.writeBytes(part);
        partSizes.add(part.length);
        if (last)
        {
            binaryPartSizes.add(List.copyOf(partSizes));
            partSizes = new ArrayList<>();
            binaries.add(binaryParts.toByteArray());
            binaryParts.reset();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message)
    {
        // The JDK answers it by itself.
        pings.add(java.nio.charset.StandardCharsets.UTF_8.decode(message).toString());
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message)
    {
        pongs.add(java.nio.charset.StandardCharsets.UTF_8.decode(message).toString());
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason)
    {
        closed.complete(statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error)
    {
        closed.completeExceptionally(error);
    }

    /** The next whole text message, or null if none came within the timeout. */
    String nextText(Duration timeout) throws InterruptedException
    {
        return texts.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next whole binary message, or null if none came within the timeout. */
    byte[] nextBinary(Duration timeout) throws InterruptedException
    {
        return binaries.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The first text message, among those still to come, that {@code expected} accepts. */
    String await(Predicate<String> expected, Duration timeout) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> seen = new ArrayList<>();
        while (true)
        {
            String message = texts.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (message == null)
                throw new AssertionError("Expected message not received within " + timeout.toSeconds() + " s; got " + seen);
            seen.add(message);
            if (expected.test(message))
                return message;
        }
    }
}
