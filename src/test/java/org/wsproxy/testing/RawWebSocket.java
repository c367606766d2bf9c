package org.wsproxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket connection on a plain socket, client ({@link #connect}) or server ({@link Backend}), for tests that
 * must see what TCP does at the end: a close frame followed by a FIN ({@link #readFrame} returns null) or by a
 * reset (a {@link java.net.SocketException} from the read). Frames are written and read whole, without
 * extensions; a client's frames are masked. {@link #flood} writes one endless binary message from a thread, and
 * counts what it could write, which shows whether the peer still reads after its close.
 */
public final class RawWebSocket implements AutoCloseable
{
    private static final int TIMEOUT_MS = 20_000;
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public record Frame(int opcode, boolean fin, byte[] payload)
    {
        public static final int TEXT = 1;
        public static final int BINARY = 2;
        public static final int CLOSE = 8;

        /** A close frame's code, or 1005 when it has none. */
        public int closeCode()
        {
            return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        public String closeReason()
        {
            return payload.length < 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final boolean client;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    private RawWebSocket(Socket socket, InputStream in, boolean client) throws IOException
    {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.client = client;
    }

    /** Opens a WebSocket to {@code path} on 127.0.0.1:{@code port}, failing unless the answer is 101. */
    public static RawWebSocket connect(int port, String path) throws IOException
    {
        Socket socket = new Socket();
        try
        {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            String key = Base64.getEncoder().encodeToString(randomBytes(16));
            String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String head = head(in);
            if (!head.startsWith("HTTP/1.1 101"))
                throw new IOException("not upgraded: " + head);
            return new RawWebSocket(socket, in, true);
        }
        catch (IOException x)
        {
            socket.close();
            throw x;
        }
    }

    public void write(Frame frame) throws IOException
    {
        write(frame.opcode(), frame.fin(), frame.payload());
    }

    public void write(int opcode, boolean fin, byte[] payload) throws IOException
    {
        out.write(frame(opcode, fin, payload, client ? randomBytes(4) : null));
        out.flush();
    }

    /** A client's frame masked with this key. */
    public void write(int opcode, boolean fin, byte[] payload, byte[] mask) throws IOException
    {
        out.write(frame(opcode, fin, payload, mask));
        out.flush();
    }

    private static byte[] frame(int opcode, boolean fin, byte[] payload, byte[] mask)
    {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write((fin ? 0x80 : 0) | opcode);
        int maskBit = mask != null ? 0x80 : 0;
        if (payload.length < 126)
            frame.write(maskBit | payload.length);
        else if (payload.length < 65536)
        {
            frame.write(maskBit | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        else
        {
            frame.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8)
                frame.write((int)(((long)payload.length >>> shift) & 0xFF));
        }
        if (mask != null)
        {
            frame.writeBytes(mask);
            for (int i = 0; i < payload.length; i++)
                frame.write(payload[i] ^ mask[i & 3]);
        }
        else
            frame.writeBytes(payload);
        return frame.toByteArray();
    }

    /** A close frame with this code and reason. */
    public void close(int code, String reason) throws IOException
    {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte)(code >>> 8);
        payload[1] = (byte)code;
        System.arraycopy(text, 0, payload, 2, text.length);
        write(Frame.CLOSE, true, payload);
    }

    /**
     * The next frame, or null at EOF between frames (the peer's FIN). A reset throws a {@link java.net.SocketException}.
     */
    public Frame readFrame() throws IOException
    {
        Keyed keyed = readKeyedFrame();
        return keyed == null ? null : keyed.frame();
    }

    /** A frame as read, unmasked, and the key it was masked with (null if it was not). */
    public record Keyed(Frame frame, byte[] mask)
    {
    }

    /** The next frame with its masking key, or null at EOF between frames. */
    public Keyed readKeyedFrame() throws IOException
    {
        int first = in.read();
        if (first < 0)
            return null;
        int second = readByte();
        long length = second & 0x7F;
        if (length == 126)
            length = (readByte() << 8) | readByte();
        else if (length == 127)
        {
            length = 0;
            for (int i = 0; i < 8; i++)
                length = (length << 8) | readByte();
        }
        byte[] mask = (second & 0x80) != 0 ? in.readNBytes(4) : null;
        if (length > Integer.MAX_VALUE - 16)
            throw new IOException("frame too long for a test: " + length);
        byte[] payload = in.readNBytes((int)length);
        if (payload.length < length)
            throw new EOFException("EOF inside a frame");
        if (mask != null)
        {
            for (int i = 0; i < payload.length; i++)
                payload[i] ^= mask[i & 3];
        }
        return new Keyed(new Frame(first & 0x0F, (first & 0x80) != 0, payload), mask);
    }

    /** The next close frame, data frames before it skipped; null at EOF before any. */
    public Frame readClose() throws IOException
    {
        for (Frame frame; (frame = readFrame()) != null; )
        {
            if (frame.opcode() == Frame.CLOSE)
                return frame;
        }
        return null;
    }

    private int readByte() throws IOException
    {
        int b = in.read();
        if (b < 0)
            throw new EOFException("EOF inside a frame");
        return b;
    }

    /**
     * A thread writing to this connection until the socket is closed or a write fails: {@link #failure} completes
     * with that failure (or null when this side closed the socket); {@link #written} counts the bytes written.
     */
    public record Writer(CompletableFuture<IOException> failure, AtomicLong written)
    {
    }

    /** Writes one binary message without end from a new thread, {@code chunk} bytes a frame. */
    public Writer flood(int chunk)
    {
        return flood(chunk, 0);
    }

    /** As {@link #flood(int)}, pausing {@code pauseMillis} after each frame. */
    public Writer flood(int chunk, long pauseMillis)
    {
        byte[] payload = new byte[chunk];
        return writeFromThread(written ->
        {
            write(Frame.BINARY, false, payload);
            written.addAndGet(chunk);
            while (true)
            {
                if (pauseMillis > 0)
                    pause(pauseMillis);
                write(0, false, payload);
                written.addAndGet(chunk);
            }
        });
    }

    /** Writes small text messages ("m") from a new thread, a thousand in each write to the socket. */
    public Writer chatter()
    {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++)
            batch.writeBytes(frame(Frame.TEXT, true, new byte[]{'m'}, client ? randomBytes(4) : null));
        byte[] bytes = batch.toByteArray();
        return writeFromThread(written ->
        {
            while (true)
            {
                out.write(bytes);
                out.flush();
                written.addAndGet(bytes.length);
            }
        });
    }

    private static void pause(long millis) throws IOException
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }

    private interface Writes
    {
        void run(AtomicLong written) throws IOException;
    }

    private Writer writeFromThread(Writes writes)
    {
        Writer writer = new Writer(new CompletableFuture<>(), new AtomicLong());
        Thread thread = new Thread(() ->
        {
            try
            {
                writes.run(writer.written());
            }
            catch (IOException x)
            {
                writer.failure().complete(socket.isClosed() ? null : x);
            }
        }, "raw-ws-writer");
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
        return writer;
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
        for (Thread thread : threads)
        {
            try
            {
                thread.join(10_000);
            }
            catch (InterruptedException x)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static byte[] randomBytes(int count)
    {
        byte[] bytes = new byte[count];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    private static String head(InputStream in) throws IOException
    {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4)
        {
            int b = in.read();
            if (b < 0)
                throw new EOFException("EOF in the head: " + head);
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * A WebSocket backend on a plain socket, on an ephemeral loopback port: each connection it accepts is answered
     * 101 and queued in {@link #sessions} as a server-side {@link RawWebSocket}. {@link #stop()} closes them all.
     */
    public static final class Backend implements AutoCloseable
    {
        public final BlockingQueue<RawWebSocket> sessions = new LinkedBlockingQueue<>();
        private final List<RawWebSocket> all = new CopyOnWriteArrayList<>();
        private ServerSocket server;
        private Thread acceptor;

        public Backend start() throws IOException
        {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::accept, "raw-ws-backend");
            acceptor.setDaemon(true);
            acceptor.start();
            return this;
        }

        public String url()
        {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        private void accept()
        {
            while (!server.isClosed())
            {
                try
                {
                    Socket socket = server.accept();
                    socket.setSoTimeout(TIMEOUT_MS);
                    InputStream in = new BufferedInputStream(socket.getInputStream());
                    String head = head(in);
                    String key = null;
                    for (String line : head.split("\r\n"))
                    {
                        if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:"))
                            key = line.substring(line.indexOf(':') + 1).trim();
                    }
                    String accept = Base64.getEncoder().encodeToString(
                        MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1)));
                    socket.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                        "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    RawWebSocket session = new RawWebSocket(socket, in, false);
                    all.add(session);
                    sessions.add(session);
                }
                catch (Exception x)
                {
                    // Closed by stop(), or a connection that failed its handshake.
                }
            }
        }

        @Override
        public void close() throws IOException
        {
            if (server != null)
                server.close();
            for (RawWebSocket session : all)
                session.close();
            if (acceptor != null)
            {
                try
                {
                    acceptor.join(10_000);
                }
                catch (InterruptedException x)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
