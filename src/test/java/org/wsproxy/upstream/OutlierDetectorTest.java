package org.wsproxy.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.wsproxy.config.PassiveHealthConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Passive health decisions on a made-up clock: N failures in a row eject, ejections in a row grow, capped. */
public class OutlierDetectorTest
{
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    @Test
    public void maxFailsInARowEjectForGrowingTimesUpToTheCap()
    {
        OutlierDetector detector = new OutlierDetector("p", new PassiveHealthConfig(3, Duration.ofSeconds(10), Duration.ofSeconds(25)));
        Endpoint endpoint = new Endpoint(URI.create("http://a:80"));
        long now = 1_000 * S;
        detector.failure(endpoint, now);
        detector.failure(endpoint, now);
        assertFalse(endpoint.isEjected(now));
        detector.failure(endpoint, now);
        assertTrue(endpoint.isEjected(now));
        assertEquals(10 * S, endpoint.ejectionLeft(now));
        // Failures while ejected (sessions that began before) change nothing.
        detector.failure(endpoint, now + S);
        assertEquals(9 * S, endpoint.ejectionLeft(now + S));

        // Back after 10 s; three more failures: the second ejection in a row lasts 20 s.
        now += 10 * S;
        assertFalse(endpoint.isEjected(now));
        for (int i = 0; i < 3; i++)
            detector.failure(endpoint, now);
        assertEquals(20 * S, endpoint.ejectionLeft(now));
        // The third would last 30 s: capped at 25 s.
        now += 20 * S;
        for (int i = 0; i < 3; i++)
            detector.failure(endpoint, now);
        assertEquals(25 * S, endpoint.ejectionLeft(now));

        // A success after it came back ends the run: the next ejection is 10 s again.
        now += 25 * S;
        detector.success(endpoint);
        for (int i = 0; i < 3; i++)
            detector.failure(endpoint, now);
        assertEquals(10 * S, endpoint.ejectionLeft(now));
        assertEquals(13, endpoint.failures());
    }

    @Test
    public void aSuccessBetweenFailuresStartsTheCountAgain()
    {
        OutlierDetector detector = new OutlierDetector("p", new PassiveHealthConfig(2, Duration.ofSeconds(10), Duration.ofSeconds(10)));
        Endpoint endpoint = new Endpoint(URI.create("http://a:80"));
        for (int i = 0; i < 5; i++)
        {
            detector.failure(endpoint, S);
            detector.success(endpoint);
        }
        assertFalse(endpoint.isEjected(S));
    }

    @Test
    public void everyFailureIsDatedEvenWhileEjected()
    {
        // The pool's last resort tries the least recently failed first: a failure while ejected is the latest.
        OutlierDetector detector = new OutlierDetector("p", new PassiveHealthConfig(1, Duration.ofSeconds(10), Duration.ofSeconds(10)));
        Endpoint endpoint = new Endpoint(URI.create("http://a:80"));
        detector.failure(endpoint, 5 * S);
        assertEquals(5 * S, endpoint.lastFailure());
        detector.failure(endpoint, 7 * S);
        assertTrue(endpoint.isEjected(7 * S));
        assertEquals(7 * S, endpoint.lastFailure());
        // ...without extending the ejection.
        assertEquals(8 * S, endpoint.ejectionLeft(7 * S));
    }
}
