package org.wsproxy.demo;

import java.nio.ByteBuffer;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * Sends every whole message back as it came: the simplest way to see a round trip through the proxy.
 * Close frames need nothing here: Jetty answers a close with the same code and reason.
 * Public because Jetty binds the listener methods through public method handles.
 */
public class EchoEndpoint implements Session.Listener.AutoDemanding
{
    private Session session;

    @Override
    public void onWebSocketOpen(Session session)
    {
        this.session = session;
    }

    @Override
    public void onWebSocketText(String message)
    {
        session.sendText(message, Callback.NOOP);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback)
    {
        // The payload belongs to Jetty until the callback completes: complete it once it is sent back.
        session.sendBinary(payload, callback);
    }
}
