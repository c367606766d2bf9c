package org.wsproxy.http;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;

/** Runs something when an async request completes: the container calls onComplete after a timeout or an error too. */
public record OnAsyncComplete(Runnable completed) implements AsyncListener
{
    /**
     * For when a request's handling has returned (a finally block): runs {@code completed} when the request's async
     * processing completes, or now when it has none, or when it completed meanwhile on another thread.
     */
    public static void whenDone(HttpServletRequest request, Runnable completed)
    {
        if (request.isAsyncStarted())
        {
            try
            {
                request.getAsyncContext().addListener(new OnAsyncComplete(completed));
                return;
            }
            catch (IllegalStateException x)
            {
                // Completed meanwhile, on another thread.
            }
        }
        completed.run();
    }

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
