package org.wsproxy.bench;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * How the benchmark's child servers (the backend, the floors) run: started, they print {@code LISTENING <port>}
 * for {@link JavaProcess}'s line handler, and stop when the benchmark closes their standard input (or dies, which
 * closes it too).
 */
final class ChildServer
{
    private ChildServer()
    {
    }

    static void runUntilStdinCloses(Server server, ServerConnector connector) throws Exception
    {
        server.start();
        System.out.println("LISTENING " + connector.getLocalPort());
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // Nothing is expected on it.
        }
        server.stop();
        System.exit(0);
    }
}
