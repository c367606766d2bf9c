package org.wsproxy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line flags, {@code --name value} (or {@code --name=value}), read by name with a default.
 * Every flag given must be read by the program, so a misspelt one fails instead of being ignored.
 */
final class Flags
{
    private final Map<String, String> values = new LinkedHashMap<>();

    private Flags()
    {
    }

    /**
     * What a measurement's {@code main} starts with: under Maven ({@code -Dbench.stopWithParent=true}), exit when Maven
     * goes away (it does not pass its termination on), so that shutdown hooks stop what the measurement started; then
     * the flags from the system property {@code property} (how the pom passes {@code -D<x>.args}) followed by
     * {@code args}.
     */
    static Flags forMain(String property, String[] args)
    {
        if (Boolean.getBoolean("bench.stopWithParent"))
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(2)));
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(System.getProperty(property, "").trim().split("\\s+")));
        all.addAll(java.util.List.of(args));
        return parse(all.toArray(String[]::new));
    }

    static Flags parse(String... args)
    {
        Flags flags = new Flags();
        for (int i = 0; i < args.length; i++)
        {
            String arg = args[i];
            if (arg.isBlank())
                continue;
            if (!arg.startsWith("--"))
                throw new IllegalArgumentException("expected --name value, got '" + arg + "'");
            int equals = arg.indexOf('=');
            if (equals > 0)
                flags.values.put(arg.substring(2, equals), arg.substring(equals + 1));
            else if (i + 1 < args.length && !args[i + 1].startsWith("--"))
                flags.values.put(arg.substring(2), args[++i]);
            else
                flags.values.put(arg.substring(2), "true");
        }
        return flags;
    }

    /** The flags, for passing on to another process. */
    List<String> toArgs()
    {
        List<String> args = new ArrayList<>();
        values.forEach((name, value) -> args.add("--" + name + "=" + value));
        return args;
    }

    Flags with(String name, Object value)
    {
        values.put(name, String.valueOf(value));
        return this;
    }

    String string(String name, String fallback)
    {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback)
    {
        String value = values.get(name);
        try
        {
            return value == null ? fallback : Integer.parseInt(value.replace("_", ""));
        }
        catch (NumberFormatException x)
        {
            throw new IllegalArgumentException("--" + name + " takes a whole number, not '" + value + "'");
        }
    }

    boolean bool(String name, boolean fallback)
    {
        String value = values.get(name);
        return value == null ? fallback : Boolean.parseBoolean(value);
    }

    /** A size in bytes, with an optional unit: {@code 64}, {@code 64B}, {@code 16KiB}, {@code 1MiB}. */
    int bytes(String name, int fallback)
    {
        String value = values.get(name);
        if (value == null)
            return fallback;
        String lower = value.toLowerCase();
        int multiplier = 1;
        if (lower.endsWith("kib") || lower.endsWith("k"))
            multiplier = 1024;
        else if (lower.endsWith("mib") || lower.endsWith("m"))
            multiplier = 1024 * 1024;
        try
        {
            return Math.multiplyExact(Integer.parseInt(lower.replaceAll("[a-z]+$", "")), multiplier);
        }
        catch (NumberFormatException | ArithmeticException x)
        {
            throw new IllegalArgumentException("--" + name + " takes a size such as 64, 16KiB or 1MiB, not '" + value + "'");
        }
    }

    /** A duration: {@code 500ms}, {@code 5s}, {@code 2m}. */
    Duration duration(String name, Duration fallback)
    {
        String value = values.get(name);
        if (value == null)
            return fallback;
        try
        {
            if (value.endsWith("ms"))
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            if (value.endsWith("s"))
                return Duration.ofMillis(Math.round(Double.parseDouble(value.substring(0, value.length() - 1)) * 1000));
            if (value.endsWith("m"))
                return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)) * 60);
        }
        catch (NumberFormatException x)
        {
            // Said below.
        }
        throw new IllegalArgumentException("--" + name + " takes a duration such as 500ms, 5s or 2m, not '" + value + "'");
    }

    /** Fails naming any flag that is not among {@code known}. */
    void rejectUnknown(Set<String> known)
    {
        for (String name : values.keySet())
        {
            if (!known.contains(name))
                throw new IllegalArgumentException("unknown flag --" + name + "; known: --" + String.join(", --", known));
        }
    }
}
