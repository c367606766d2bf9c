package org.wsproxy.bench;

import java.nio.ByteBuffer;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * The benchmark backend's echo: every text or binary frame is sent back as it arrives, and the next one
 * is read only once that send completed, so a message of any size echoes in pieces and a client that
 * stops reading holds the echo back. Jetty answers pings and closes. Public for Jetty's method handles.
 */
public class FrameEcho implements Session.Listener, Callback
{
    private Session session;
    // The binary frame being echoed: completing it hands Jetty its buffer back.
    private Callback frame;

    @Override
    public void onWebSocketOpen(Session session)
    {
        this.session = session;
        session.demand();
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback)
    {
        frame = callback;
        session.sendPartialBinary(payload, last, this);
    }

    @Override
    public void onWebSocketPartialText(String payload, boolean last)
    {
        session.sendPartialText(payload, last, this);
    }

    @Override
    public void succeed()
    {
        Callback echoed = frame;
        frame = null;
        if (echoed != null)
            echoed.succeed();
        session.demand();
    }

    @Override
    public void fail(Throwable x)
    {
        Callback echoed = frame;
        frame = null;
        if (echoed != null)
            echoed.fail(x);
    }
}
