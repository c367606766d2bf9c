package org.wsproxy.guard;

import java.net.InetAddress;
import java.util.List;

import org.eclipse.jetty.util.InetAddressSet;
import org.wsproxy.forward.ForwardingPolicy;

/**
 * A route's client address allow and deny lists (addresses, CIDR blocks, ranges, as for
 * {@code wsproxy.trustedProxies}), applied to the client's address as the trusted-proxy rules decide it.
 * Deny wins; an empty allow list allows every address. An address that is not an IP literal (a trusted proxy
 * naming its client "unknown") matches no list: refused when there is an allow list, else allowed.
 */
final class ClientRules
{
    private final InetAddressSet allow = new InetAddressSet();
    private final InetAddressSet deny = new InetAddressSet();

    ClientRules(List<String> allowClients, List<String> denyClients)
    {
        allowClients.forEach(allow::add);
        denyClients.forEach(deny::add);
    }

    boolean allows(String clientAddress)
    {
        if (allow.isEmpty() && deny.isEmpty())
            return true;
        InetAddress address = ForwardingPolicy.literal(clientAddress);
        if (address == null)
            return allow.isEmpty();
        if (!deny.isEmpty() && deny.test(address))
            return false;
        return allow.isEmpty() || allow.test(address);
    }
}
