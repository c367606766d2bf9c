package org.wsproxy.upstream;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The handshake gate without a network: grants up to the cap, queues first come first served, refuses past the queue. */
public class HandshakeGateTest
{
    @Test
    public void grantsQueuesInOrderAndRefusesPastTheQueue()
    {
        HandshakeGate gate = new HandshakeGate(2, 2);
        List<String> granted = new ArrayList<>();
        HandshakeGate.Ticket a = gate.ticket(() -> granted.add("a"));
        HandshakeGate.Ticket b = gate.ticket(() -> granted.add("b"));
        HandshakeGate.Ticket c = gate.ticket(() -> granted.add("c"));
        HandshakeGate.Ticket d = gate.ticket(() -> granted.add("d"));
        HandshakeGate.Ticket e = gate.ticket(() -> granted.add("e"));
        assertEquals(HandshakeGate.State.GRANTED, a.enter());
        assertEquals(HandshakeGate.State.GRANTED, b.enter());
        assertEquals(HandshakeGate.State.QUEUED, c.enter());
        assertEquals(HandshakeGate.State.QUEUED, d.enter());
        assertEquals(HandshakeGate.State.REFUSED, e.enter());
        assertEquals(1, gate.refusedQueueFull());
        assertEquals(2, gate.active());
        assertEquals(2, gate.queued());

        // a ends: its place goes to c, the first queued; the callbacks of tickets granted at once never run.
        a.release();
        a.release();
        assertEquals(List.of("c"), granted);
        assertEquals(2, gate.active());
        // d's client leaves: it is out of the queue, never granted.
        assertTrue(d.cancel(false));
        assertFalse(d.cancel(true));
        b.release();
        c.release();
        assertEquals(List.of("c"), granted);
        assertEquals(0, gate.active());
        assertEquals(0, gate.queued());
        assertEquals(0, gate.refusedQueueTimeout());
        assertEquals(2, gate.peak());
    }

    @Test
    public void aTicketGrantedBeforeItsDeadlineCannotBeCancelled()
    {
        HandshakeGate gate = new HandshakeGate(1, 1);
        HandshakeGate.Ticket a = gate.ticket(() -> { });
        HandshakeGate.Ticket b = gate.ticket(() -> { });
        a.enter();
        assertEquals(HandshakeGate.State.QUEUED, b.enter());
        a.release();
        assertEquals(HandshakeGate.State.GRANTED, b.state());
        assertFalse(b.cancel(true));
        assertEquals(0, gate.refusedQueueTimeout());
        b.release();
        assertEquals(0, gate.active());
    }

    @Test
    public void noCapGrantsEveryTicketAndCountsThem()
    {
        HandshakeGate gate = new HandshakeGate(0, 0);
        for (int i = 0; i < 100; i++)
            assertEquals(HandshakeGate.State.GRANTED, gate.ticket(() -> { }).enter());
        assertEquals(100, gate.active());
        assertEquals(100, gate.peak());
    }
}
