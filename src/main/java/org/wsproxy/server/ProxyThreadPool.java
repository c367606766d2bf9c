package org.wsproxy.server;

import java.util.concurrent.RejectedExecutionException;

import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.thread.ExecutionStrategy;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * The server's thread pool: Jetty's {@link QueuedThreadPool}, set by the same {@code jetty.threadPool.*}
 * properties (etc/wsproxy-threadpool.xml), with a bound on the threads Jetty starts outside it.
 * <p>Some tasks Jetty must run at once, never queued behind work that may be blocked
 * ({@link ThreadPool#executeImmediately}): the answer to a bad request, such as one whose client left
 * half-way through its headers, and a failure or idle timeout delivered to a request in progress. Jetty runs
 * such a task on a reserved thread and, when none is free, on a new thread made for that task alone
 * ({@code jetty-immediate-executor}), outside the pool and its {@code maxThreads}. 500 clients leaving
 * half-sent requests at once made the proxy run 113 threads with {@code maxThreads=32} (223 in another
 * run). Here such a task that finds no reserved thread goes to a second, small pool ({@code -urgent}, at
 * most {@link #getMaxUrgentThreads()} threads, threads made on demand and stopped when idle), where it waits
 * only behind other urgent tasks: failure notifications and error answers, which block on nothing.</p>
 * <p>The only other caller of {@link #tryExecute} is the selector's execution strategy, offering to hand its
 * production to a reserved thread: it handles a refusal itself (it queues the task instead), so it keeps
 * Jetty's answer.</p>
 */
@ManagedObject("Jetty's thread pool with a bounded pool for urgent tasks")
public class ProxyThreadPool extends QueuedThreadPool
{
    private final QueuedThreadPool urgent = new QueuedThreadPool(4, 0, 60000, 0, null, null);

    public ProxyThreadPool()
    {
        addBean(urgent);
    }

    @ManagedAttribute("The most threads that run urgent tasks when no reserved thread is free")
    public int getMaxUrgentThreads()
    {
        return urgent.getMaxThreads();
    }

    public void setMaxUrgentThreads(int threads)
    {
        if (threads < 1)
            throw new IllegalArgumentException("maxUrgentThreads must be at least 1: " + threads);
        urgent.setMaxThreads(threads);
    }

    @ManagedAttribute("Threads running or waiting for urgent tasks")
    public int getUrgentThreads()
    {
        return urgent.getThreads();
    }

    @Override
    protected void doStart() throws Exception
    {
        urgent.setName(getName() + "-urgent");
        urgent.setIdleTimeout(getIdleTimeout());
        super.doStart();
    }

    @Override
    public boolean tryExecute(Runnable task)
    {
        if (super.tryExecute(task))
            return true;
        if (task instanceof ExecutionStrategy)
            return false;
        try
        {
            urgent.execute(task);
            return true;
        }
        catch (RejectedExecutionException x)
        {
            // Stopping: Jetty's own way then (a thread of its own, or the caller's).
            return false;
        }
    }
}
