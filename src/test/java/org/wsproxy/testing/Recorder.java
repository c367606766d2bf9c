package org.wsproxy.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/** A test client endpoint that records whole messages, pongs and the close it got. */
public class Recorder extends Session.Listener.AbstractAutoDemanding
{
    public final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    public final BlockingQueue<ByteBuffer> binaries = new LinkedBlockingQueue<>();
    public final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
    public final CompletableFuture<String> closed = new CompletableFuture<>();

    @Override
    public void onWebSocketText(String message)
    {
        texts.add(message);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback)
    {
        binaries.add(BufferUtil.copy(payload));
        callback.succeed();
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload)
    {
        pongs.add(StandardCharsets.UTF_8.decode(payload).toString());
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback)
    {
        closed.complete(statusCode + " " + reason);
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause)
    {
        // Expected in the failure tests; the test asserts on what it gets, not on the log.
    }

    public String nextText() throws InterruptedException
    {
        String text = texts.poll(10, TimeUnit.SECONDS);
        if (text == null)
            throw new AssertionError("no text message within 10 s");
        return text;
    }

    public String awaitClose() throws Exception
    {
        return closed.get(10, TimeUnit.SECONDS);
    }
}
