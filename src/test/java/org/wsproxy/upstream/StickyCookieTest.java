package org.wsproxy.upstream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.wsproxy.config.Params;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sticky cookies without a network: honoured when valid, ignored when forged or stale, agreed between instances. */
public class StickyCookieTest
{
    private static final byte[] SECRET = "0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8);

    private static Pool pool(String backends, byte[] secret)
    {
        return new Pool("chat", Params.backends("test", backends), LoadBalancer.roundRobin(),
            PoolTest.passive(Duration.ofHours(1)), new StickyCookie("WSPROXY", "chat", secret));
    }

    private static RequestKey cookie(String value)
    {
        return new RequestKey()
        {
            @Override
            public String cookie(String name)
            {
                return name.equals("WSPROXY") ? value : null;
            }
        };
    }

    private static String valueOf(String setCookie)
    {
        return setCookie.substring("WSPROXY=".length(), setCookie.indexOf(';'));
    }

    private static String host(Endpoint endpoint)
    {
        return endpoint == null ? null : endpoint.uri().getHost();
    }

    @Test
    public void validCookieWinsOverBalancingAndIsNotSetAgain()
    {
        Pool pool = pool("http://a:80, http://b:80, http://c:80", SECRET);
        Endpoint b = pool.endpoints().get(1);
        String setCookie = pool.stickyCookie(RequestKey.NONE, b, "/", false);
        assertTrue(setCookie.startsWith("WSPROXY="), setCookie);
        assertTrue(setCookie.endsWith("; Path=/; HttpOnly; SameSite=Lax"), setCookie);
        assertFalse(setCookie.contains("http"), "the cookie must not reveal the backend: " + setCookie);
        RequestKey stuck = cookie(valueOf(setCookie));
        for (int i = 0; i < 6; i++)
            assertEquals("b", host(pool.pick(stuck, List.of())));
        assertNull(pool.stickyCookie(stuck, b, "/", false));
        assertTrue(pool.stickyCookie(RequestKey.NONE, b, "/", true).endsWith("; Secure"));
    }

    @Test
    public void forgedOrMalformedCookieIsBalanced()
    {
        Pool pool = pool("http://a:80, http://b:80", SECRET);
        String value = valueOf(pool.stickyCookie(RequestKey.NONE, pool.endpoints().get(1), "/", false));
        String id = value.substring(0, value.indexOf('.'));
        for (String forged : List.of(id + ".AAAAAAAAAAAAAAAAAAAAAA", id, "." + value, "garbage", value + "x", "", id + "." ))
        {
            List<String> picks = List.of(host(pool.pick(cookie(forged), List.of())), host(pool.pick(cookie(forged), List.of())));
            assertEquals(2, java.util.Set.copyOf(picks).size(), forged + " was honoured: " + picks);
        }
        // Signed by another secret: another proxy's, or this one's before a restart without a configured secret.
        Pool other = pool("http://a:80, http://b:80", "another-secret-of-16+chars".getBytes(StandardCharsets.UTF_8));
        String foreign = valueOf(other.stickyCookie(RequestKey.NONE, other.endpoints().get(1), "/", false));
        assertNotEquals(value, foreign);
        assertEquals(2, java.util.Set.of(host(pool.pick(cookie(foreign), List.of())), host(pool.pick(cookie(foreign), List.of()))).size());
    }

    @Test
    public void twoInstancesWithTheSameSecretHonourEachOthersCookies()
    {
        Pool one = pool("http://a:80, http://b:80", SECRET);
        Pool two = pool("http://b:80, http://a:80", SECRET);
        String value = valueOf(one.stickyCookie(RequestKey.NONE, one.endpoints().get(1), "/", false));
        for (int i = 0; i < 4; i++)
            assertEquals("b", host(two.pick(cookie(value), List.of())));
    }

    @Test
    public void staleCookieOfARemovedBackendIsBalancedAndReplaced()
    {
        Pool pool = pool("http://a:80, http://b:80", SECRET);
        Endpoint b = pool.endpoints().get(1);
        RequestKey stuck = cookie(valueOf(pool.stickyCookie(RequestKey.NONE, b, "/", false)));
        pool.update(Params.backends("test", "http://a:80, http://c:80"));
        Endpoint picked = pool.pick(stuck, List.of());
        assertNotEquals("b", host(picked));
        assertTrue(pool.stickyCookie(stuck, picked, "/", false) != null);
    }

    @Test
    public void drainingBackendKeepsItsStickyClientsButAnUnhealthyOneDoesNot()
    {
        Pool pool = pool("http://a:80, http://b:80", SECRET);
        Endpoint b = pool.endpoints().get(1);
        RequestKey stuck = cookie(valueOf(pool.stickyCookie(RequestKey.NONE, b, "/", false)));
        pool.update(Params.backends("test", "http://a:80, http://b:80 drain"));
        assertEquals("b", host(pool.pick(stuck, List.of())));
        assertEquals("a", host(pool.pick(RequestKey.NONE, List.of())));
        pool.reportFailure(b);
        assertEquals("a", host(pool.pick(stuck, List.of())));
        // Tried already by this request: the retry goes elsewhere.
        pool.update(Params.backends("test", "http://a:80, http://b:80"));
        assertEquals("a", host(pool.pick(stuck, List.of(b))));
    }
}
