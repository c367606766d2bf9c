package org.wsproxy.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 24h}, {@code 7d}) and sizes
 * ({@code 512B}, {@code 64KiB}, {@code 16MiB}, {@code 1GiB}). A unit is required: a bare
 * {@code 30} is ambiguous between nginx seconds and Jetty milliseconds, so it is refused.
 */
final class Units
{
    private static final Pattern AMOUNT = Pattern.compile("(\\d+)\\s*([A-Za-z]+)");

    private Units()
    {
    }

    /** @return the duration, or null if the text is not a non-negative duration with a unit */
    static Duration duration(String text)
    {
        Matcher m = AMOUNT.matcher(text.trim());
        if (!m.matches())
            return null;
        long amount = parse(m.group(1));
        if (amount < 0)
            return null;
        try
        {
            Duration duration = switch (m.group(2).toLowerCase(Locale.ROOT))
            {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> null;
            };
            // Every user reads durations as milliseconds: one too long for that is refused here, not at run time.
            if (duration != null)
                duration.toMillis();
            return duration;
        }
        catch (ArithmeticException x)
        {
            return null;
        }
    }

    /** @return the size in bytes, or -1 if the text is not a non-negative size with a unit */
    static long size(String text)
    {
        Matcher m = AMOUNT.matcher(text.trim());
        if (!m.matches())
            return -1;
        long amount = parse(m.group(1));
        if (amount < 0)
            return -1;
        int shift = switch (m.group(2))
        {
            case "B" -> 0;
            case "KiB", "KB", "K", "k", "kB" -> 10;
            case "MiB", "MB", "M", "m" -> 20;
            case "GiB", "GB", "G", "g" -> 30;
            default -> -1;
        };
        if (shift < 0 || Long.numberOfLeadingZeros(amount) <= shift)
            return -1;
        return amount << shift;
    }

    private static long parse(String digits)
    {
        try
        {
            return Long.parseLong(digits);
        }
        catch (NumberFormatException x)
        {
            return -1;
        }
    }
}
