package org.wsproxy.forward;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.util.InetAddressSet;
import org.wsproxy.config.ProxyConfig;

/**
 * Which client headers cross to the backend, and what the proxy says about the client, the same on
 * the WebSocket and the HTTP path. Hop-by-hop headers stay on their hop; X-Forwarded-For/Proto/Host/Port
 * and RFC 7239 Forwarded describe the client and replace what the client sent, unless the client is a
 * trusted proxy, whose values are kept and appended to. X-Real-IP is always the proxy's own, the client
 * address as {@link #clientAddress} decides it (what applications written for nginx set-ups read); the other
 * headers that claim to name the client ({@code wsproxy.clientIpHeaders}: X-Client-IP, True-Client-IP...)
 * pass only from a trusted proxy.
 */
public final class ForwardingPolicy
{
    /** Headers that belong to one hop (RFC 9110 7.6.1), plus the WebSocket handshake's per-hop headers. */
    private static final Set<String> HOP_BY_HOP = ignoringCase(
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length",
        "Sec-WebSocket-Key", "Sec-WebSocket-Accept", "Sec-WebSocket-Extensions", "Sec-WebSocket-Version",
        "Sec-WebSocket-Protocol");
    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.%]+");
    private static final Set<String> FORWARDED = ignoringCase(
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "Forwarded", "X-Real-IP");

    private final boolean preserveHost;
    private final InetAddressSet trusted = new InetAddressSet();
    private final Set<String> clientIpHeaders;

    public ForwardingPolicy(ProxyConfig config)
    {
        this.preserveHost = config.preserveHost();
        config.trustedProxies().forEach(trusted::add);
        this.clientIpHeaders = ignoringCase(config.clientIpHeaders().toArray(String[]::new));
    }

    public boolean preserveHost()
    {
        return preserveHost;
    }

    /**
     * Passes each end-to-end header of the client's request to {@code sink}, one call per value,
     * followed by the forwarding headers; Host is included only when the policy preserves it.
     */
    public void forEachHeader(HttpServletRequest request, BiConsumer<String, String> sink)
    {
        Set<String> connectionTokens = connectionTokens(request);
        boolean fromTrustedProxy = isTrusted(unbracket(request.getRemoteAddr()));
        // Run for every request: the sets compare names ignoring case, so no lower-case copy of each name is made.
        for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); )
        {
            String name = names.nextElement();
            if (HOP_BY_HOP.contains(name) || FORWARDED.contains(name) || connectionTokens.contains(name))
                continue;
            // Anyone can claim to be anyone in these; only a proxy we trust may tell.
            if (!fromTrustedProxy && clientIpHeaders.contains(name))
                continue;
            for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); )
                sink.accept(name, values.nextElement());
        }
        if (preserveHost && request.getHeader("Host") != null)
            sink.accept("Host", request.getHeader("Host"));
        forEachForwarded(request, sink);
    }

    private void forEachForwarded(HttpServletRequest request, BiConsumer<String, String> sink)
    {
        String client = unbracket(request.getRemoteAddr());
        String proto = request.isSecure() ? "https" : "http";
        String host = request.getHeader("Host");
        if (host == null)
            host = request.getServerName();
        String port = String.valueOf(request.getLocalPort());
        String forwarded = "for=" + forwardedNode(client) + ";proto=" + proto + ";host=\"" + host + "\"";

        boolean fromTrustedProxy = isTrusted(client);
        sink.accept("X-Forwarded-For", append(fromTrustedProxy ? joined(request, "X-Forwarded-For") : null, client));
        sink.accept("X-Forwarded-Proto", keep(fromTrustedProxy, request, "X-Forwarded-Proto", proto));
        sink.accept("X-Forwarded-Host", keep(fromTrustedProxy, request, "X-Forwarded-Host", host));
        sink.accept("X-Forwarded-Port", keep(fromTrustedProxy, request, "X-Forwarded-Port", port));
        sink.accept("Forwarded", append(fromTrustedProxy ? joined(request, "Forwarded") : null, forwarded));
        sink.accept("X-Real-IP", clientAddress(request));
    }

    /**
     * The client's address as far as this proxy can vouch for it: the connected peer, or, when that peer is
     * a trusted proxy, the nearest address in X-Forwarded-For that is not itself a trusted proxy (nginx's
     * {@code real_ip_recursive}). What ip-hash hashes, so clients behind a trusted balancer are told apart.
     */
    public String clientAddress(HttpServletRequest request)
    {
        String address = unbracket(request.getRemoteAddr());
        if (!isTrusted(address))
            return address;
        List<String> hops = new ArrayList<>();
        for (String value : Collections.list(request.getHeaders("X-Forwarded-For")))
        {
            for (String hop : value.split(","))
            {
                if (!hop.isBlank())
                    hops.add(unbracket(hop.trim()));
            }
        }
        for (int i = hops.size() - 1; i >= 0; i--)
        {
            address = hops.get(i);
            if (!isTrusted(address))
                return address;
        }
        return address;
    }

    private boolean isTrusted(String address)
    {
        if (trusted.isEmpty())
            return false;
        InetAddress literal = literal(address);
        return literal != null && trusted.test(literal);
    }

    /** An IP literal as an address; null for anything else, which is never looked up (no DNS on the request path). */
    public static InetAddress literal(String address)
    {
        boolean ipv4 = IPV4.matcher(address).matches();
        boolean ipv6 = !ipv4 && address.indexOf(':') >= 0 && IPV6_CHARS.matcher(address).matches();
        if (!ipv4 && !ipv6)
            return null;
        try
        {
            // With only digits and dots in range, or a colon, getByName parses and never resolves.
            return InetAddress.getByName(address);
        }
        catch (UnknownHostException x)
        {
            return null;
        }
    }

    private static String keep(boolean trusted, HttpServletRequest request, String name, String ours)
    {
        String theirs = trusted ? request.getHeader(name) : null;
        return theirs == null ? ours : theirs;
    }

    private static String append(String previous, String ours)
    {
        return previous == null || previous.isBlank() ? ours : previous + ", " + ours;
    }

    private static String joined(HttpServletRequest request, String name)
    {
        List<String> values = new ArrayList<>(Collections.list(request.getHeaders(name)));
        return values.isEmpty() ? null : String.join(", ", values);
    }

    private static String unbracket(String address)
    {
        return address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
    }

    /** RFC 7239 section 6: IPv6 nodes are bracketed and quoted. */
    private static String forwardedNode(String address)
    {
        return address.indexOf(':') >= 0 ? "\"[" + address + "]\"" : address;
    }

    /** The names the client's Connection header lists, compared ignoring case; none (and nothing made) without one. */
    private static Set<String> connectionTokens(HttpServletRequest request)
    {
        Enumeration<String> values = request.getHeaders("Connection");
        if (values == null || !values.hasMoreElements())
            return Set.of();
        Set<String> tokens = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        while (values.hasMoreElements())
        {
            for (String token : values.nextElement().split(","))
                tokens.add(token.trim());
        }
        return tokens;
    }

    /** A set of header names that compares them ignoring case. */
    private static Set<String> ignoringCase(String... names)
    {
        Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        Collections.addAll(set, names);
        return Collections.unmodifiableSet(set);
    }
}
