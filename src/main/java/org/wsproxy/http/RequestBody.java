package org.wsproxy.http;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.ByteBufferRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.CyclicTimeout;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.wsproxy.config.RequestBodyConfig;

/**
 * One request's body, read from the client with servlet async I/O before and while it goes to a backend, so that a
 * slow client holds no backend connection for what it has not sent yet (nginx {@code proxy_request_buffering}):
 * <ol>
 * <li>buffering: the first {@code bufferSize} bytes are read into memory before any backend is chosen; a body that
 * ends within them goes to the backend whole, with its length;</li>
 * <li>streaming: a longer body (or one of unknown length past the buffer) is sent from there on, the buffered bytes
 * first, each further read made only when the backend has taken the previous piece.</li>
 * </ol>
 * The client may stay silent for {@code timeout} at most while a read is awaited; then the body fails with a
 * {@link TimeoutException} (408). Failures are told apart by side: reading the client (malformed, ended early, silent)
 * is the client's, and the backend request is abandoned without counting against the backend; writing to the backend
 * is the backend's, which the backend request reports by itself.
 */
final class RequestBody extends IteratingCallback implements ReadListener
{
    /** What the servlet does for a body. */
    interface Exchange
    {
        /**
         * Chooses a backend and sends the request with this body.
         *
         * @return the backend request, or null when the client was answered without one (no backend eligible)
         */
        Request send(Request.Content content);

        /** The body failed on the client's side before any backend request was made: answer the client. */
        void clientFailed(Throwable failure);

        /** The body has ended, read whole or failed: it no longer counts as in progress. Called once. */
        void ended();
    }

    private enum State
    {
        BUFFERING, STREAMING, DONE
    }

    /** The first allocation of a buffer; it doubles up to the buffer size (or the announced length). */
    private static final int FIRST_BUFFER = 16 * 1024;
    private static final int STREAM_CHUNK = 16 * 1024;
    /** Ends the body from the outside (the backend answered); not a failure of either side. */
    private static final Throwable ENDED = new Throwable("the exchange ended", null, false, false)
    {
    };

    private final ServletInputStream input;
    private final long contentLength;
    private final String contentType;
    private final int bufferSize;
    private final long timeoutMs;
    private final Exchange exchange;
    private final Timeout timeout;
    /** The write callback: tells a backend-side failure from a client-side one. */
    private final Callback written = new Written();
    private State state = State.BUFFERING;
    private byte[] buffer;
    private int length;
    private byte[] chunk;
    private volatile AsyncRequestContent content;
    private volatile Request proxyRequest;
    private volatile boolean waitingForClient;
    private volatile long waitingSince;
    private volatile boolean backendFailed;
    private volatile Throwable clientFailure;
    // The abort was acted on; Jetty serialises onAborted and onCompleteFailure, which both may see it.
    private boolean abortSeen;

    RequestBody(ServletInputStream input, long contentLength, String contentType, RequestBodyConfig config, Scheduler scheduler, Exchange exchange)
    {
        this.input = input;
        this.contentLength = contentLength;
        this.contentType = contentType;
        this.bufferSize = config.bufferSize();
        this.timeoutMs = config.timeout().toMillis();
        this.exchange = exchange;
        this.timeout = new Timeout(scheduler);
    }

    @Override
    public void onDataAvailable()
    {
        waitingForClient = false;
        iterate();
    }

    @Override
    public void onAllDataRead()
    {
        waitingForClient = false;
        iterate();
    }

    @Override
    public void onError(Throwable failure)
    {
        // The container's: reading from the client failed (a malformed body, the connection ended or idled out).
        abort(failure);
    }

    /** Ends the reading when the backend exchange is over (answered early, or failed): nothing more is forwarded. */
    void end()
    {
        abort(ENDED);
    }

    /**
     * @return the client's failure that {@code failure} of the backend request stems from, or null when it is the
     * backend's: the client failed the body (the backend request was aborted with it), or the backend request timed
     * out idle while the proxy was waiting for the client's next bytes, having nothing to send
     */
    Throwable clientFailure(Throwable failure)
    {
        Throwable client = clientFailure;
        if (client != null)
            return client;
        if (waitingForClient && !backendFailed)
        {
            for (Throwable t = failure; t != null; t = t.getCause())
            {
                if (t instanceof TimeoutException)
                    return failure;
            }
        }
        return null;
    }

    @Override
    protected Action process() throws Throwable
    {
        while (true)
        {
            if (state == State.DONE)
                return Action.SUCCEEDED;
            if (state == State.BUFFERING)
            {
                if (contentLength >= 0 && length == contentLength)
                {
                    // Read whole: now, and only now, a backend is chosen and a connection to it taken.
                    state = State.DONE;
                    ByteBuffer body = ByteBuffer.wrap(buffer, 0, length);
                    buffer = null;
                    proxyRequest = exchange.send(new ByteBufferRequestContent(contentType, body));
                    return Action.SUCCEEDED;
                }
                if (length >= bufferSize)
                {
                    // Longer than the buffer: the backend gets what was read, then the rest as it comes.
                    state = State.STREAMING;
                    content = new StreamedContent(contentType, contentLength);
                    Request sent = exchange.send(content);
                    if (sent == null)
                    {
                        state = State.DONE;
                        return Action.SUCCEEDED;
                    }
                    proxyRequest = sent;
                    chunk = new byte[STREAM_CHUNK];
                    byte[] first = buffer;
                    buffer = null;
                    if (length > 0)
                    {
                        content.write(ByteBuffer.wrap(first, 0, length), written);
                        return Action.SCHEDULED;
                    }
                }
            }

            if (!input.isReady())
            {
                waitForClient();
                return Action.IDLE;
            }
            waitingForClient = false;

            int read;
            if (state == State.BUFFERING)
            {
                ensureRoom();
                read = input.read(buffer, length, buffer.length - length);
            }
            else
            {
                read = input.read(chunk);
            }

            if (read < 0)
            {
                if (state == State.BUFFERING)
                {
                    // A chunked body that ended within the buffer: its length is now known.
                    state = State.DONE;
                    ByteBuffer body = ByteBuffer.wrap(buffer == null ? new byte[0] : buffer, 0, length);
                    buffer = null;
                    proxyRequest = exchange.send(new ByteBufferRequestContent(contentType, body));
                    return Action.SUCCEEDED;
                }
                state = State.DONE;
                content.close();
                return Action.SUCCEEDED;
            }
            if (read == 0)
                continue;
            if (state == State.BUFFERING)
            {
                length += read;
                continue;
            }
            // The next read waits until the backend has taken this piece: a slow backend holds the client back through TCP.
            content.write(ByteBuffer.wrap(chunk, 0, read), written);
            return Action.SCHEDULED;
        }
    }

    /**
     * Room for the next read, within the buffer size and the announced length, grown by doubling from
     * {@link #FIRST_BUFFER}: memory follows what the client has sent, not what it announced.
     */
    private void ensureRoom()
    {
        long limit = contentLength >= 0 ? Math.min(contentLength, bufferSize) : bufferSize;
        if (buffer == null)
            buffer = new byte[(int)Math.min(FIRST_BUFFER, limit)];
        else if (length == buffer.length)
            buffer = Arrays.copyOf(buffer, (int)Math.min(2L * buffer.length, limit));
    }

    private void waitForClient()
    {
        waitingSince = System.nanoTime();
        waitingForClient = true;
        if (timeoutMs > 0)
            timeout.schedule(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /**
     * An abort comes from outside the reading: the container's {@link #onError}, the timeout, or {@link #end()}. Acted
     * on at once, even while a write to the backend is pending (which may never complete if the backend stopped
     * reading): the backend request is aborted, which also completes that write. Jetty 12.1 calls this at once on an
     * abort; 12.0 does not have it and calls {@link #onCompleteFailure} at once instead, which comes here too.
     */
    @Override
    protected void onAborted(Throwable cause)
    {
        if (abortSeen)
            return;
        abortSeen = true;
        if (cause == ENDED)
        {
            AsyncRequestContent streamed = content;
            if (streamed != null)
                streamed.fail(new IllegalStateException("the backend exchange ended before the request body"));
            return;
        }
        failedByClient(cause);
    }

    @Override
    protected void onCompleteFailure(Throwable cause)
    {
        // An abort is dealt with in onAborted (Jetty 12.1 called it already; 12.0 does not, so it is called here); a
        // failed write to the backend is the backend's, and its request reports it.
        if (isAborted())
            onAborted(cause);
        else if (!backendFailed)
            failedByClient(cause);
        completed();
    }

    @Override
    protected void onCompleteSuccess()
    {
        completed();
    }

    /** Noted first, so that the backend request, failing with it, is not held against the backend; acted on once. */
    private void failedByClient(Throwable cause)
    {
        if (clientFailure != null)
            return;
        clientFailure = cause;
        Request sent = proxyRequest;
        if (sent == null)
            exchange.clientFailed(cause);
        else
            sent.abort(cause);
    }

    /**
     * Jetty calls onCompleteSuccess or onCompleteFailure once, at the end (from {@code onCompleted} in 12.1, which
     * this class leaves alone because 12.0 has none).
     */
    private void completed()
    {
        waitingForClient = false;
        timeout.destroy();
        exchange.ended();
    }

    @Override
    public String toString()
    {
        return "RequestBody[" + state + ", " + length + "/" + contentLength + " buffered, waitingForClient=" + waitingForClient + "]";
    }

    /** The backend's side of streaming: its failure is the backend's, never the client's. */
    private class Written implements Callback
    {
        @Override
        public void succeeded()
        {
            RequestBody.this.succeeded();
        }

        @Override
        public void failed(Throwable x)
        {
            backendFailed = true;
            RequestBody.this.failed(x);
        }

        @Override
        public InvocationType getInvocationType()
        {
            return InvocationType.NON_BLOCKING;
        }
    }

    /** The client's silence: armed while a read is awaited, checked against the time the wait began. */
    private class Timeout extends CyclicTimeout
    {
        private Timeout(Scheduler scheduler)
        {
            super(scheduler);
        }

        @Override
        public void onTimeoutExpired()
        {
            if (!waitingForClient)
                return;
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waitingSince);
            if (waitedMs < timeoutMs)
                schedule(timeoutMs - waitedMs, TimeUnit.MILLISECONDS);
            else
                abort(new TimeoutException("no request body bytes from the client for " + waitedMs + " ms"));
        }
    }

    /** A streamed body keeps the length the client announced, so the backend gets a Content-Length, not chunks. */
    private static final class StreamedContent extends AsyncRequestContent
    {
        private final long length;

        private StreamedContent(String contentType, long length)
        {
            super(contentType);
            this.length = length;
        }

        @Override
        public long getLength()
        {
            return length;
        }
    }
}
