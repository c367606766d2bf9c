package org.wsproxy.websocket;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRequest;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ContextHandler;

/**
 * The one place that knows which Jetty environment (ee10, ee11) runs the webapp: the two are the same
 * classes in two packages, {@code org.eclipse.jetty.<env>.servlet}, both wrapping Jetty's core
 * request, response and context handler, which is all wsproxy needs from them. Looked up once, from
 * the package of the host's ServletContext class, then called through method handles.
 */
public final class ServletEnvironment
{
    // org.eclipse.jetty.ee10.servlet.ServletContextHandler$ServletContextApi
    private static final Pattern ENVIRONMENT = Pattern.compile("org\\.eclipse\\.jetty\\.(ee\\d+)\\..*");

    private final String name;
    private final ContextHandler contextHandler;
    private final MethodHandle servletContextRequest;
    private final MethodHandle servletContextResponse;

    private ServletEnvironment(String name, ContextHandler contextHandler, MethodHandle servletContextRequest, MethodHandle servletContextResponse)
    {
        this.name = name;
        this.contextHandler = contextHandler;
        this.servletContextRequest = servletContextRequest;
        this.servletContextResponse = servletContextResponse;
    }

    /** Whether the webapp at {@code context} runs in a Jetty ee environment (not on Tomcat, say). */
    public static boolean isJetty(ServletContext context)
    {
        return ENVIRONMENT.matcher(context.getClass().getName()).matches();
    }

    /** The environment of the webapp at {@code context}; fails naming the class when it is not a Jetty ee environment. */
    public static ServletEnvironment of(ServletContext context)
    {
        Matcher matcher = ENVIRONMENT.matcher(context.getClass().getName());
        if (!matcher.matches())
            throw new IllegalStateException("wsproxy: not a Jetty servlet environment: " + context.getClass().getName());
        String environment = matcher.group(1);
        String servlet = "org.eclipse.jetty." + environment + ".servlet.";
        try
        {
            ClassLoader loader = context.getClass().getClassLoader();
            Class<?> handlerClass = Class.forName(servlet + "ServletContextHandler", false, loader);
            Class<?> requestClass = Class.forName(servlet + "ServletContextRequest", false, loader);
            Class<?> responseClass = Class.forName(servlet + "ServletContextResponse", false, loader);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            MethodHandle handler = lookup.findStatic(handlerClass, "getServletContextHandler", MethodType.methodType(handlerClass, ServletContext.class));
            MethodHandle request = lookup.findStatic(requestClass, "getServletContextRequest", MethodType.methodType(requestClass, ServletRequest.class))
                .asType(MethodType.methodType(Request.class, ServletRequest.class));
            MethodHandle response = lookup.findVirtual(requestClass, "getServletContextResponse", MethodType.methodType(responseClass))
                .asType(MethodType.methodType(Response.class, Request.class));
            ContextHandler contextHandler = (ContextHandler)handler.invoke(context);
            return new ServletEnvironment(environment, contextHandler, request, response);
        }
        catch (Throwable x)
        {
            throw new IllegalStateException("wsproxy: cannot use Jetty's " + environment + " environment: " + x, x);
        }
    }

    /** "ee10", "ee11". */
    public String name()
    {
        return name;
    }

    /** The webapp's context handler, a core one whatever the environment. */
    public ContextHandler contextHandler()
    {
        return contextHandler;
    }

    /** The core request under a servlet request of this webapp (through any wrappers). */
    public Request coreRequest(ServletRequest request)
    {
        try
        {
            return (Request)servletContextRequest.invokeExact(request);
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

    /** The core response that goes with {@link #coreRequest(ServletRequest)}'s result. */
    public Response coreResponse(Request coreRequest)
    {
        try
        {
            return (Response)servletContextResponse.invokeExact(coreRequest);
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

    @Override
    public String toString()
    {
        return "Jetty " + name;
    }
}
