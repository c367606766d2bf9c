package org.wsproxy.config;

/**
 * A parameter the proxy cannot start with. The message is one line naming the parameter, the value
 * given and what was expected, because that line is all an operator sees in a failed deployment.
 */
public class ConfigException extends RuntimeException
{
    private final String parameter;
    private final String value;

    public ConfigException(String parameter, String value, String expected)
    {
        super("wsproxy: bad parameter " + parameter + " = '" + value + "': expected " + expected);
        this.parameter = parameter;
        this.value = value;
    }

    public String getParameter()
    {
        return parameter;
    }

    public String getValue()
    {
        return value;
    }
}
