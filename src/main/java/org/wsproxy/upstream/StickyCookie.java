package org.wsproxy.upstream;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Cookie stickiness (HAProxy's {@code cookie ... insert}): the proxy names the chosen backend in a cookie
 * and honours it on the next request or upgrade, on both paths. The value is opaque and tamper-evident:
 * {@code <id>.<mac>}, where the id is derived from the backend's URL (the same on every proxy instance, and
 * not revealing the URL) and the mac is an HMAC-SHA256 of pool and id under the proxy's secret. A value that
 * does not verify, or names a backend no longer in the pool, is ignored: the request is balanced and gets a
 * new cookie.
 */
public final class StickyCookie
{
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final String name;
    private final String pool;
    private final SecretKeySpec key;
    // An endpoint's cookie value never changes, so each is computed once rather than an HMAC per response.
    // Keyed by the ids of endpoints the pool has had, never by ids from requests, so it cannot be grown from outside.
    private final Map<String, String> values = new ConcurrentHashMap<>();

    public StickyCookie(String name, String pool, byte[] secret)
    {
        this.name = name;
        this.pool = pool;
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    public String name()
    {
        return name;
    }

    /** The endpoint's id in cookies: 12 bytes of SHA-256 of its URL, base64url. */
    static String id(String endpointKey)
    {
        try
        {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(endpointKey.getBytes(StandardCharsets.UTF_8));
            return B64.encodeToString(java.util.Arrays.copyOf(digest, 12));
        }
        catch (GeneralSecurityException x)
        {
            throw new IllegalStateException(x);
        }
    }

    private String mac(String id)
    {
        try
        {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] bytes = mac.doFinal((pool + "|" + id).getBytes(StandardCharsets.UTF_8));
            return B64.encodeToString(java.util.Arrays.copyOf(bytes, 16));
        }
        catch (GeneralSecurityException x)
        {
            throw new IllegalStateException(x);
        }
    }

    /** The cookie value naming this endpoint. */
    public String value(Endpoint endpoint)
    {
        return values.computeIfAbsent(endpoint.stickyId(), id -> id + "." + mac(id));
    }

    /** @return the member of the snapshot the value names, or null when it is forged, stale or malformed */
    Member find(Pool.Snapshot snapshot, String value)
    {
        int dot = value.indexOf('.');
        if (dot <= 0)
            return null;
        String id = value.substring(0, dot);
        for (Member member : snapshot.members())
        {
            if (member.endpoint().stickyId().equals(id))
            {
                byte[] expected = value(member.endpoint()).getBytes(StandardCharsets.US_ASCII);
                return MessageDigest.isEqual(expected, value.getBytes(StandardCharsets.US_ASCII)) ? member : null;
            }
        }
        return null;
    }

    /** A Set-Cookie header value for the endpoint. */
    public String setCookie(Endpoint endpoint, String path, boolean secure)
    {
        return name + "=" + value(endpoint) + "; Path=" + path + "; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
    }
}
