package org.wsproxy.guard;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The edge's small policies without a network: token buckets on a made-up clock, per-address counts, Origins. */
public class EdgePoliciesTest
{
    @Test
    public void aBucketRefillsAtTheRateAndIsForgottenOnceFull()
    {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        HandshakeRate rate = new HandshakeRate(2, 3, now::get);
        for (int i = 0; i < 3; i++)
            assertTrue(rate.tryAcquire("10.0.0.1"));
        assertFalse(rate.tryAcquire("10.0.0.1"));
        assertTrue(rate.tryAcquire("10.0.0.2"));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
        // Two a second: one more after half a second, not two.
        assertTrue(rate.tryAcquire("10.0.0.1"));
        assertFalse(rate.tryAcquire("10.0.0.1"));
        assertEquals(2, rate.size());

        // Thousands of addresses, once each: their buckets go once they have filled up again.
        for (int i = 0; i < 5000; i++)
            assertTrue(rate.tryAcquire("192.0.2." + i));
        assertEquals(5002, rate.size());
        now.addAndGet(TimeUnit.SECONDS.toNanos(2));
        assertTrue(rate.tryAcquire("10.0.0.3"));
        assertEquals(1, rate.size());
    }

    @Test
    public void anAddressIsForgottenWithItsLastSession()
    {
        SessionsPerClient sessions = new SessionsPerClient(2);
        assertTrue(sessions.tryAcquire("10.0.0.1"));
        assertTrue(sessions.tryAcquire("10.0.0.1"));
        assertFalse(sessions.tryAcquire("10.0.0.1"));
        assertTrue(sessions.tryAcquire("10.0.0.2"));
        sessions.release("10.0.0.1");
        assertTrue(sessions.tryAcquire("10.0.0.1"));
        sessions.release("10.0.0.1");
        sessions.release("10.0.0.1");
        sessions.release("10.0.0.2");
        assertEquals(0, sessions.size());
        // A refusal leaves nothing behind either.
        SessionsPerClient none = new SessionsPerClient(1);
        none.tryAcquire("a");
        none.tryAcquire("a");
        none.release("a");
        assertEquals(0, none.size());
    }

    @Test
    public void origins()
    {
        OriginPolicy policy = new OriginPolicy(List.of("https://app.example.com", "http://localhost:8080", "https://*.example.org", "same-origin"), true);
        assertTrue(policy.allows(List.of("https://app.example.com"), null));
        assertTrue(policy.allows(List.of("https://app.example.com:443"), null));
        assertTrue(policy.allows(List.of("HTTPS://App.Example.COM"), null));
        assertFalse(policy.allows(List.of("https://app.example.com:444"), null));
        assertFalse(policy.allows(List.of("http://localhost"), null));
        assertTrue(policy.allows(List.of("http://localhost:8080"), null));
        assertTrue(policy.allows(List.of("https://x.example.org"), null));
        assertFalse(policy.allows(List.of("https://example.org"), null));
        assertFalse(policy.allows(List.of("https://x.example.org.evil.example"), null));
        assertFalse(policy.allows(List.of("https://user@app.example.com"), null));
        assertFalse(policy.allows(List.of("https://app.example.com/"), null));
        assertFalse(policy.allows(List.of("null"), null));
        assertTrue(policy.allows(List.of(), null));
        assertTrue(policy.allows(List.of("https://chat.example.net"), "chat.example.net"));
        assertTrue(policy.allows(List.of("https://chat.example.net"), "chat.example.net:443"));
        assertTrue(policy.allows(List.of("http://[::1]:8080"), "[::1]:8080"));
        assertFalse(policy.allows(List.of("https://chat.example.net"), "chat.example.net:8443"));
        assertFalse(policy.allows(List.of("https://app.example.com", "https://app.example.com"), null));

        OriginPolicy strict = new OriginPolicy(List.of("null"), false);
        assertTrue(strict.allows(List.of("null"), null));
        assertFalse(strict.allows(List.of(), null));
        assertTrue(new OriginPolicy(List.of(), false).allows(List.of(), null));
    }
}
