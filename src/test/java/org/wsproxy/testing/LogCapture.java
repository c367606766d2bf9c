package org.wsproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.slf4j.LoggerFactory;

/**
 * The log lines written while it is open, still passed on to the console: Jetty's SLF4J implementation writes
 * every logger through one {@link StdErrAppender}, whose stream this replaces with a tee until closed. The
 * proxy webapp in {@link ProxyServer} logs through the same loggers (its classes come from the test class path).
 */
public final class LogCapture implements AutoCloseable
{
    private final StdErrAppender appender;
    private final PrintStream original;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    public LogCapture()
    {
        appender = (StdErrAppender)((JettyLogger)LoggerFactory.getLogger("org.wsproxy")).getAppender();
        original = appender.getStream();
        // Null means System.err, looked up at each line (surefire replaces it per test class).
        PrintStream passOn = original != null ? original : System.err;
        OutputStream tee = new OutputStream()
        {
            @Override
            public void write(int b)
            {
                write(new byte[]{(byte)b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length)
            {
                synchronized (captured)
                {
                    captured.write(bytes, offset, length);
                }
                passOn.write(bytes, offset, length);
            }

            @Override
            public void flush()
            {
                passOn.flush();
            }
        };
        appender.setStream(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    /** The lines logged so far that contain {@code text}. */
    public List<String> lines(String text)
    {
        String all;
        synchronized (captured)
        {
            all = captured.toString(StandardCharsets.UTF_8);
        }
        return Arrays.stream(all.split("\n")).filter(line -> line.contains(text)).toList();
    }

    @Override
    public void close()
    {
        appender.setStream(original);
    }
}
