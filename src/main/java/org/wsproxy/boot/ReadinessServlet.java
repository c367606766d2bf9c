package org.wsproxy.boot;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The readiness path ({@code wsproxy.readinessPath}) that a load balancer in front probes: 200 {@code ready}
 * while the instance takes load, 503 {@code draining} from the moment a drain begins (Jetty stopping, an
 * undeploy, the admin endpoint's drain call), so the balancer stops sending before anyone is refused.
 * No token (balancers send none) and nothing in the answer but those words; GET and HEAD only.
 */
class ReadinessServlet extends HttpServlet
{
    private final GracefulDrain drain;

    ReadinessServlet(GracefulDrain drain)
    {
        this.drain = drain;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        boolean draining = drain.isShutdown();
        response.setStatus(draining ? HttpServletResponse.SC_SERVICE_UNAVAILABLE : HttpServletResponse.SC_OK);
        response.setContentType("text/plain;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().println(draining ? "draining" : "ready");
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws jakarta.servlet.ServletException, IOException
    {
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method))
        {
            super.service(request, response);
            return;
        }
        response.setStatus(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
        response.setHeader("Allow", "GET, HEAD");
        response.setContentType("text/plain;charset=utf-8");
        response.getWriter().println("405 Method Not Allowed");
    }
}
