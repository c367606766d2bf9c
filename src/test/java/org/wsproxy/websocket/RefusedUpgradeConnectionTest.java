package org.wsproxy.websocket;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsproxy.testing.ProxyServer;
import org.wsproxy.testing.Recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend that refuses an upgrade with 403 and {@code Connection: keep-alive}: the proxy must not send
 * another client's upgrade on that connection (issue 7, item 5). The backend here is a raw socket server
 * that answers every request with 403 and keeps the connection open, counting requests per connection.
 */
public class RefusedUpgradeConnectionTest
{
    private ProxyServer proxy;
    private WebSocketClient client;
    private ServerSocket backend;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    public void stop() throws Exception
    {
        if (client != null)
            client.stop();
        if (proxy != null)
            proxy.stop();
        if (backend != null)
            backend.close();
        synchronized (sockets)
        {
            for (Socket socket : sockets)
                socket.close();
        }
        for (Thread thread : threads)
            thread.join(5000);
    }

    @Test
    public void aConnectionThatCarriedARefusedUpgradeIsNeverReused() throws Exception
    {
        AtomicInteger connections = new AtomicInteger();
        AtomicInteger reusedRequests = new AtomicInteger();
        backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() ->
        {
            while (!backend.isClosed())
            {
                try
                {
                    Socket socket = backend.accept();
                    synchronized (sockets)
                    {
                        sockets.add(socket);
                    }
                    connections.incrementAndGet();
                    Thread reader = new Thread(() -> answerEveryRequestWith403(socket, reusedRequests), "refusing-backend-connection");
                    synchronized (threads)
                    {
                        threads.add(reader);
                    }
                    reader.start();
                }
                catch (Exception x)
                {
                    return;
                }
            }
        }, "refusing-backend");
        threads.add(acceptor);
        acceptor.start();

        proxy = new ProxyServer().route("ws", "/", "http://127.0.0.1:" + backend.getLocalPort()).start();
        client = new WebSocketClient();
        client.start();
        for (int i = 0; i < 3; i++)
        {
            ExecutionException failure = assertThrows(ExecutionException.class,
                () -> client.connect(new Recorder(), URI.create(proxy.wsUrl("/ws"))).get(10, TimeUnit.SECONDS));
            assertTrue(failure.getCause() instanceof UpgradeException, failure.toString());
            assertEquals(403, ((UpgradeException)failure.getCause()).getResponseStatusCode());
        }
        assertEquals(3, connections.get(), "one backend connection per upgrade");
        assertEquals(0, reusedRequests.get(), "requests sent on a connection that had carried a refused upgrade");
    }

    /** Reads requests (headers only) and answers each with 403, keeping the connection; counts the second and later ones. */
    private static void answerEveryRequestWith403(Socket socket, AtomicInteger reusedRequests)
    {
        try (socket)
        {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            int requests = 0;
            while (readHeaders(in))
            {
                if (++requests > 1)
                    reusedRequests.incrementAndGet();
                out.write(("HTTP/1.1 403 Forbidden\r\nConnection: keep-alive\r\nContent-Length: 9\r\n\r\nforbidden").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
        catch (SocketTimeoutException x)
        {
            // The proxy kept the connection idle: fine, nothing more came.
        }
        catch (Exception x)
        {
            // Closed by the proxy or by the test.
        }
    }

    private static boolean readHeaders(InputStream in) throws Exception
    {
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0)
        {
            matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
            if (matched == 4)
                return true;
        }
        return false;
    }
}
