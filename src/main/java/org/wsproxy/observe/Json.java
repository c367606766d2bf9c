package org.wsproxy.observe;

/** Just enough JSON writing for the status report: objects, arrays, strings, numbers and booleans, in order. */
final class Json
{
    private final StringBuilder out = new StringBuilder(4096);
    // Whether the current object or array already has a member, so the next one needs a comma.
    private boolean first = true;

    Json open(String name, char bracket)
    {
        key(name);
        out.append(bracket);
        first = true;
        return this;
    }

    Json close(char bracket)
    {
        out.append(bracket);
        first = false;
        return this;
    }

    Json field(String name, String value)
    {
        key(name);
        if (value == null)
            out.append("null");
        else
            string(value);
        return this;
    }

    Json field(String name, long value)
    {
        key(name);
        out.append(value);
        return this;
    }

    Json field(String name, boolean value)
    {
        key(name);
        out.append(value);
        return this;
    }

    private void key(String name)
    {
        if (!first)
            out.append(',');
        first = false;
        if (name != null)
        {
            string(name);
            out.append(':');
        }
    }

    private void string(String value)
    {
        out.append('"');
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                // '<' escaped too, so the text can never close a script element it is embedded in.
                case '<' -> out.append("\\u003c");
                default ->
                {
                    if (c < 0x20)
                        out.append(String.format("\\u%04x", (int)c));
                    else
                        out.append(c);
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString()
    {
        return out.toString();
    }
}
