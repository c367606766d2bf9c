package org.wsproxy.http;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/** Runs something when an async request completes: the container calls onComplete after a timeout or an error too. */
public record OnAsyncComplete(Runnable completed) implements AsyncListener
{
    @Override
    public void onComplete(AsyncEvent event)
    {
        completed.run();
    }

    @Override
    public void onTimeout(AsyncEvent event)
    {
    }

    @Override
    public void onError(AsyncEvent event)
    {
    }

    @Override
    public void onStartAsync(AsyncEvent event)
    {
    }
}
