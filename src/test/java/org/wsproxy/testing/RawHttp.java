package org.wsproxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request written byte for byte on a new connection, where the exact bytes matter (a request line that
 * clients would normalise, an HTTP/1.0 upgrade, duplicated headers), and its response read back.
 */
public final class RawHttp
{
    private static final int TIMEOUT_MS = 20_000;

    public record Response(int status, Map<String, List<String>> headers, String body)
    {
        public String header(String name)
        {
            List<String> values = headers.get(name);
            return values == null ? null : values.get(0);
        }
    }

    private RawHttp()
    {
    }

    /**
     * Sends {@code head} (CRLF line ends added, blank line appended) and reads the response: its body too,
     * unless it is a 101 (whose connection then carries WebSocket frames, not read here).
     */
    public static Response exchange(int port, String... head) throws IOException
    {
        try (Connection connection = open(port))
        {
            return connection.exchange(head);
        }
    }

    /** A connection kept open for several exchanges (keep-alive), e.g. one opened before the server stops accepting. */
    public static Connection open(int port) throws IOException
    {
        Socket socket = new Socket();
        try
        {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            return new Connection(socket);
        }
        catch (IOException x)
        {
            socket.close();
            throw x;
        }
    }

    public static final class Connection implements AutoCloseable
    {
        private final Socket socket;
        private final InputStream in;

        private Connection(Socket socket) throws IOException
        {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
        }

        /** As {@link RawHttp#exchange(int, String...)}, on this connection. */
        public Response exchange(String... head) throws IOException
        {
            StringBuilder request = new StringBuilder();
            for (String line : head)
                request.append(line).append("\r\n");
            request.append("\r\n");
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return read(in, head[0]);
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }

    private static Response read(InputStream in, String requestLine) throws IOException
    {
        int status = Integer.parseInt(line(in).split(" ")[1]);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String line; !(line = line(in)).isEmpty(); )
        {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
        }
        if (status == 101)
            return new Response(status, headers, "");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String encoding = String.join(",", headers.getOrDefault("Transfer-Encoding", List.of())).toLowerCase(Locale.ROOT);
        if (requestLine.startsWith("HEAD "))
        {
            // No body, whatever the headers say.
        }
        else if (encoding.contains("chunked"))
        {
            for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; )
            {
                body.write(in.readNBytes(size));
                line(in);
            }
            while (!line(in).isEmpty())
            {
                // trailers
            }
        }
        else if (headers.containsKey("Content-Length"))
            body.write(in.readNBytes(Integer.parseInt(headers.get("Content-Length").get(0))));
        else
            body.write(in.readAllBytes());
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException
    {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; )
        {
            if (b < 0)
                throw new IOException("connection closed mid-line: " + line);
            if (b != '\r')
                line.write(b);
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
