package org.wsproxy.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Throwaway copies of the committed {@code jetty-base/}, changed the way an operator would change
 * them: by editing {@code etc/wsproxy-override.xml}. The committed base is never written to.
 */
public final class JettyBases
{
    /** The backend URL written in the committed etc/wsproxy-override.xml. */
    public static final String DEMO_BACKEND = "http://127.0.0.1:" + DemoBackend.DEFAULT_PORT;
    public static final String OVERRIDE = "etc/wsproxy-override.xml";

    private JettyBases()
    {
    }

    /** Copies {@code source} into {@code target} (created if missing), files and directories. */
    public static Path copy(Path source, Path target) throws IOException
    {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(source))
        {
            paths = walk.toList();
        }
        for (Path path : paths)
        {
            Path copy = target.resolve(source.relativize(path).toString());
            if (Files.isDirectory(path))
                Files.createDirectories(copy);
            else
                Files.copy(path, copy);
        }
        return target;
    }

    /** Points every route of the base at {@code backend} instead of the demo backend's default address. */
    public static void pointBackendsAt(Path base, String backend) throws IOException
    {
        String override = read(base);
        if (!override.contains(DEMO_BACKEND))
            throw new IllegalStateException(base.resolve(OVERRIDE) + " does not mention " + DEMO_BACKEND);
        write(base, override.replace(DEMO_BACKEND, backend));
    }

    /** Points one route of the base ({@code ws} or {@code app}) at {@code backend}. */
    public static void pointRouteAt(Path base, String route, String backend) throws IOException
    {
        String override = read(base);
        java.util.regex.Matcher param = java.util.regex.Pattern.compile(
            "(<param-name>wsproxy\\.route\\." + java.util.regex.Pattern.quote(route) + "\\.backends</param-name>\\s*<param-value>)[^<]*(</param-value>)")
            .matcher(override);
        if (!param.find())
            throw new IllegalStateException(base.resolve(OVERRIDE) + " has no backends for route " + route);
        write(base, param.replaceFirst("$1" + java.util.regex.Matcher.quoteReplacement(backend) + "$2"));
    }

    /** Adds a context-param; meant for parameters that the file does not set already. */
    public static void addContextParam(Path base, String name, String value) throws IOException
    {
        String override = read(base);
        int end = override.lastIndexOf("</web-app>");
        String param = "  <context-param>\n" +
            "    <param-name>" + name + "</param-name>\n" +
            "    <param-value>" + value + "</param-value>\n" +
            "  </context-param>\n";
        write(base, override.substring(0, end) + param + override.substring(end));
    }

    /**
     * Sets a context-param: its value replaced where the file sets it already (not in a comment, where the file shows
     * optional parameters), else added.
     */
    public static void setContextParam(Path base, String name, String value) throws IOException
    {
        String override = read(base);
        java.util.regex.Matcher param = java.util.regex.Pattern.compile(
            "(<param-name>" + java.util.regex.Pattern.quote(name) + "</param-name>\\s*<param-value>)[^<]*(</param-value>)")
            .matcher(override);
        while (param.find())
        {
            boolean commented = override.lastIndexOf("<!--", param.start()) > override.lastIndexOf("-->", param.start());
            if (!commented)
            {
                write(base, override.substring(0, param.start()) + param.group(1) + value + param.group(2) + override.substring(param.end()));
                return;
            }
        }
        addContextParam(base, name, value);
    }

    /** Deletes {@code root} and everything below it, if it exists. */
    public static void delete(Path root) throws IOException
    {
        if (!Files.exists(root))
            return;
        try (Stream<Path> walk = Files.walk(root))
        {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList())
                Files.deleteIfExists(path);
        }
    }

    private static String read(Path base) throws IOException
    {
        return Files.readString(base.resolve(OVERRIDE), StandardCharsets.UTF_8);
    }

    private static void write(Path base, String override) throws IOException
    {
        Files.writeString(base.resolve(OVERRIDE), override, StandardCharsets.UTF_8);
    }
}
