package org.wsproxy.testing;

import java.util.ArrayDeque;
import java.util.Deque;

import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * Everything a test started (backends, proxies, clients), stopped in reverse order by {@link #stopAll()}
 * from the test's {@code @AfterEach}, even when one of them fails to stop.
 */
public final class Started
{
    public interface Stoppable
    {
        void stop() throws Exception;
    }

    private final Deque<Stoppable> stack = new ArrayDeque<>();

    public void push(Stoppable stoppable)
    {
        stack.push(stoppable);
    }

    public TestBackend backend(String name) throws Exception
    {
        TestBackend backend = new TestBackend(name).start();
        push(backend::stop);
        return backend;
    }

    public ProxyServer proxy(ProxyServer proxy) throws Exception
    {
        push(proxy::stop);
        return proxy.start();
    }

    /** A started Jetty WebSocket client. */
    public WebSocketClient webSocketClient() throws Exception
    {
        WebSocketClient client = new WebSocketClient();
        client.start();
        push(client::stop);
        return client;
    }

    /** Stops everything, newest first; the first failure is rethrown once all were tried. */
    public void stopAll() throws Exception
    {
        Exception failure = null;
        while (!stack.isEmpty())
        {
            try
            {
                stack.pop().stop();
            }
            catch (Exception x)
            {
                if (failure == null)
                    failure = x;
                else
                    failure.addSuppressed(x);
            }
        }
        if (failure != null)
            throw failure;
    }
}
