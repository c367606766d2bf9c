package org.wsproxy.demo;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One chat room: each text message is broadcast, prefixed with its sender's name, to every member.
 * Open two browser tabs on the proxy to see messages cross through it both ways.
 * Public, as is {@link Member}, because Jetty binds listener methods through public method handles.
 */
public class ChatRoom
{
    private final Set<Member> members = ConcurrentHashMap.newKeySet();
    private final AtomicInteger guests = new AtomicInteger();

    Member newMember()
    {
        return new Member("guest-" + guests.incrementAndGet());
    }

    private void broadcast(String message)
    {
        for (Member member : members)
        {
            member.send(message);
        }
    }

    public class Member implements Session.Listener.AutoDemanding
    {
        private final String name;
        private volatile Session session;

        private Member(String name)
        {
            this.name = name;
        }

        @Override
        public void onWebSocketOpen(Session session)
        {
            this.session = session;
            members.add(this);
            broadcast("* " + name + " joined (" + members.size() + " here)");
        }

        @Override
        public void onWebSocketText(String message)
        {
            broadcast(name + ": " + message);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback)
        {
            if (members.remove(this))
                broadcast("* " + name + " left (" + members.size() + " here)");
            callback.succeed();
        }

        private void send(String message)
        {
            Session session = this.session;
            // Whole-message sends are queued by Jetty, so concurrent broadcasts need no lock.
            if (session != null && session.isOpen())
                session.sendText(message, Callback.NOOP);
        }
    }
}
