package org.wsproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 backend written on plain sockets, for tests that must see or send exact bytes: it records
 * each request's head as received (request line and header lines, byte for byte) and answers every request
 * with {@link #response}, a whole response given as raw bytes. Requests on a connection are served one after
 * another (keep-alive); a body is read by Content-Length or chunked coding and dropped.
 * Every socket and thread it made is closed and ended by {@link #stop()}.
 */
public class RawHttpBackend
{
    /** The longest a connection may stay silent; then it is closed, so no thread outlives a test by long. */
    private static final int READ_TIMEOUT_MS = 30_000;
    private static final int MAX_HEAD = 64 * 1024;

    /** Each request head received, from the request line to the blank line included, in ISO-8859-1. */
    public final BlockingQueue<String> heads = new LinkedBlockingQueue<>();
    /** Connections accepted so far. */
    public final AtomicInteger connections = new AtomicInteger();
    /**
     * What every request is answered with: status line, header lines, blank line and body, as sent. Empty: the
     * connection is closed as soon as the request head has arrived, without reading the body or answering.
     */
    public volatile byte[] response = raw("HTTP/1.1 200 OK", "Content-Length: 3", "", "ok\n");
    /** Answer as soon as the head has arrived, without reading the body, then close (a 413 that will not wait). */
    public volatile boolean answerBeforeBody;
    /**
     * Answers for given request paths (the request target up to any query), whole responses as raw bytes; a path
     * not here is answered with {@link #response}.
     */
    public final java.util.Map<String, byte[]> responsesByPath = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Accept the connection and read the request head, then answer nothing: the connection stays open until the
     * peer closes it (or {@link #stop()}, or the read timeout), a backend that hangs.
     */
    public volatile boolean silent;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private ServerSocket server;

    /** Lines joined with CRLF: {@code raw("HTTP/1.1 200 OK", "Content-Length: 2", "", "ok")}. */
    public static byte[] raw(String... lines)
    {
        return String.join("\r\n", lines).getBytes(StandardCharsets.ISO_8859_1);
    }

    public RawHttpBackend start() throws IOException
    {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "raw-backend-accept");
        acceptor.setDaemon(true);
        threads.add(acceptor);
        acceptor.start();
        return this;
    }

    public int port()
    {
        return server.getLocalPort();
    }

    public String url()
    {
        return "http://127.0.0.1:" + port();
    }

    private void accept()
    {
        while (!server.isClosed())
        {
            try
            {
                Socket socket = server.accept();
                connections.incrementAndGet();
                sockets.add(socket);
                Thread serve = new Thread(() -> serve(socket), "raw-backend-conn");
                serve.setDaemon(true);
                threads.add(serve);
                serve.start();
            }
            catch (IOException x)
            {
                // Closed by stop().
            }
        }
    }

    private void serve(Socket socket)
    {
        try (socket)
        {
            socket.setSoTimeout(READ_TIMEOUT_MS);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true)
            {
                String head = readHead(in);
                if (head == null)
                    return;
                heads.add(head);
                if (silent)
                {
                    // Until the peer gives up and closes: read and drop whatever else comes.
                    while (in.read() >= 0)
                    {
                        // nothing to answer
                    }
                    return;
                }
                byte[] answer = responsesByPath.getOrDefault(path(head), response);
                if (answer.length == 0)
                    return;
                boolean early = answerBeforeBody;
                if (!early)
                    skipBody(in, head);
                out.write(answer);
                out.flush();
                if (early)
                    return;
            }
        }
        catch (SocketException x)
        {
            // Closed by the proxy or by stop().
        }
        catch (IOException x)
        {
            // A read timeout or a broken request: the connection ends.
        }
        finally
        {
            sockets.remove(socket);
        }
    }

    /** The path of a request head's request line, without the query. */
    private static String path(String head)
    {
        String[] requestLine = head.substring(0, head.indexOf("\r\n")).split(" ");
        String target = requestLine.length > 1 ? requestLine[1] : "";
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    private static String readHead(InputStream in) throws IOException
    {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0D0A0D0A)
        {
            int b = in.read();
            if (b < 0)
                return null;
            head.write(b);
            if (head.size() > MAX_HEAD)
                throw new IOException("request head over " + MAX_HEAD + " bytes");
            last4 = (last4 << 8) | b;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void skipBody(InputStream in, String head) throws IOException
    {
        String lower = head.toLowerCase(Locale.ROOT);
        if (lower.contains("\r\ntransfer-encoding: chunked"))
        {
            while (true)
            {
                String sizeLine = line(in);
                long size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
                if (size == 0)
                {
                    while (!line(in).isEmpty())
                    {
                        // trailers
                    }
                    return;
                }
                in.skipNBytes(size);
                line(in);
            }
        }
        int at = lower.indexOf("\r\ncontent-length:");
        if (at >= 0)
        {
            int end = lower.indexOf("\r\n", at + 2);
            in.skipNBytes(Long.parseLong(lower.substring(at + "\r\ncontent-length:".length(), end).trim()));
        }
    }

    private static String line(InputStream in) throws IOException
    {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; )
        {
            if (b < 0)
                throw new IOException("closed mid-line");
            if (b != '\r')
                line.write(b);
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Closes the listening socket and every connection, then waits (bounded) for the threads to end. */
    public void stop() throws Exception
    {
        if (server == null)
            return;
        server.close();
        for (Socket socket : sockets)
            socket.close();
        for (Thread thread : threads)
        {
            thread.join(5_000);
            if (thread.isAlive())
                throw new IllegalStateException(thread + " did not end");
        }
    }
}
