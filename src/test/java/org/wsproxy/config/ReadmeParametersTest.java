package org.wsproxy.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's parameter table must say what the code does: same names, same defaults. */
public class ReadmeParametersTest
{
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| (`[^`]*`|\\(required\\)) \\|");

    @Test
    public void readmeTableMatchesTheParser() throws Exception
    {
        Map<String, String> documented = new HashMap<>();
        Set<String> required = new HashSet<>();
        for (String line : Files.readAllLines(Path.of("README.md")))
        {
            Matcher m = ROW.matcher(line);
            if (!m.find())
                continue;
            String value = m.group(2);
            if (value.equals("(required)"))
                required.add(m.group(1));
            else
                documented.put(m.group(1), value.substring(1, value.length() - 1));
        }
        assertEquals(ProxyConfigParser.DEFAULTS, documented);
        assertEquals(Set.copyOf(ProxyConfigParser.REQUIRED), required);
    }
}
