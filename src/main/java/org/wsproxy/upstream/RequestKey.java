package org.wsproxy.upstream;

/**
 * What a selection strategy may know about the request it chooses for, without knowing servlets: the
 * client's address and the values hashing strategies key on. Each method returns null when absent.
 */
public interface RequestKey
{
    /** A request without any facts: strategies that need one fall back to their unkeyed choice. */
    RequestKey NONE = new RequestKey()
    {
    };

    /** The client's IP address as text, or null. */
    default String clientAddress()
    {
        return null;
    }

    default String header(String name)
    {
        return null;
    }

    default String cookie(String name)
    {
        return null;
    }

    default String queryParameter(String name)
    {
        return null;
    }
}
