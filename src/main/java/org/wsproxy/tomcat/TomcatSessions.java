package org.wsproxy.tomcat;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;

/**
 * What Tomcat's sessions ({@code org.apache.tomcat.websocket.WsSession}) can do beyond the Jakarta WebSocket API, found
 * once by name (the WAR does not compile against Tomcat): pause and resume a session's reads, the only way to read
 * from a client no faster than its backend takes the frames, and close it dropping the connection.
 */
final class TomcatSessions
{
    static final String SESSION_CLASS = "org.apache.tomcat.websocket.WsSession";

    private final Class<?> sessionClass;
    private final MethodHandle suspend;
    private final MethodHandle resume;
    private final MethodHandle doClose;

    private TomcatSessions(Class<?> sessionClass, MethodHandle suspend, MethodHandle resume, MethodHandle doClose)
    {
        this.sessionClass = sessionClass;
        this.suspend = suspend;
        this.resume = resume;
        this.doClose = doClose;
    }

    /** Tomcat's session class, as the webapp sees it; fails naming what is missing (Tomcat 10.1 and 11 have it all). */
    static TomcatSessions find(ClassLoader loader)
    {
        try
        {
            Class<?> type = Class.forName(SESSION_CLASS, false, loader);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            MethodType none = MethodType.methodType(void.class);
            return new TomcatSessions(type,
                lookup.findVirtual(type, "suspend", none).asType(MethodType.methodType(void.class, Session.class)),
                lookup.findVirtual(type, "resume", none).asType(MethodType.methodType(void.class, Session.class)),
                lookup.findVirtual(type, "doClose", MethodType.methodType(void.class, CloseReason.class, CloseReason.class, boolean.class))
                    .asType(MethodType.methodType(void.class, Session.class, CloseReason.class, CloseReason.class, boolean.class)));
        }
        catch (ReflectiveOperationException | LinkageError x)
        {
            throw new IllegalStateException("wsproxy: this Tomcat's " + SESSION_CLASS + " lacks suspend(), resume() or doClose(CloseReason, CloseReason, boolean) "
                + "(Tomcat 10.1 and 11 have them): " + x, x);
        }
    }

    /** Whether {@code session} is Tomcat's own (a wrapper would not be). */
    boolean handles(Session session)
    {
        return sessionClass.isInstance(session);
    }

    /** Tomcat reads no further frame of {@code session} after the message part being delivered, until {@link #resume}. */
    void suspend(Session session)
    {
        invoke(suspend, session);
    }

    void resume(Session session)
    {
        invoke(resume, session);
    }

    /** Sends a close frame with {@code close} if it can, then drops the connection without waiting for the answer. */
    void closeNow(Session session, CloseReason close)
    {
        try
        {
            doClose.invokeExact(session, close, new CloseReason(CloseReason.CloseCodes.CLOSED_ABNORMALLY, close.getReasonPhrase()), true);
        }
        catch (RuntimeException | Error x)
        {
            throw x;
        }
        catch (Throwable x)
        {
            throw new IllegalStateException(x);
        }
    }

    private static void invoke(MethodHandle handle, Session session)
    {
        try
        {
            handle.invokeExact(session);
        }
        catch (RuntimeException | Error x)
        {
            throw x;
        }
        catch (Throwable x)
        {
            throw new IllegalStateException(x);
        }
    }
}
