package org.wsproxy.tomcat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import org.eclipse.jetty.http.HttpField;
import org.wsproxy.websocket.BackendHop;
import org.wsproxy.websocket.ClientHandshake;

/**
 * Accepts a client's upgrade through the Jakarta WebSocket API ({@link ServerContainer#upgradeHttpToWebSocket}), with
 * a {@link ClientHopEndpoint} as the endpoint: the client gets the backend's subprotocol and the backend's own 101
 * headers, as on Jetty, and no extension (Tomcat would otherwise offer permessage-deflate). Tomcat upgrades only in
 * the request's first dispatch, so the request's thread waits for the backend's 101 ({@link #needsRequestThread()}).
 */
final class JakartaUpgrade implements ClientHandshake
{
    /** The backend's 101 headers that are the hop's own, not the client's (as websocket/ClientUpgrade leaves them out). */
    private static final Set<String> PER_HOP_RESPONSE_HEADERS = Set.of("connection", "upgrade", "sec-websocket-accept",
        "sec-websocket-extensions", "sec-websocket-protocol", "content-length", "transfer-encoding", "keep-alive");

    private final ServerContainer container;
    private final Executor executor;
    private final TomcatSessions tomcat;

    JakartaUpgrade(ServerContainer container, Executor executor, TomcatSessions tomcat)
    {
        this.container = container;
        this.executor = executor;
        this.tomcat = tomcat;
    }

    @Override
    public boolean needsRequestThread()
    {
        return true;
    }

    @Override
    public boolean upgrade(HttpServletRequest request, HttpServletResponse response, BackendHop hop) throws IOException
    {
        ClientHopSession session = new ClientHopSession(hop.relay().clientSide(), executor, tomcat,
            new InetSocketAddress(request.getLocalAddr(), request.getLocalPort()), new InetSocketAddress(request.getRemoteAddr(), request.getRemotePort()));
        hop.relay().settings().customize(session);
        ClientHopEndpoint endpoint = new ClientHopEndpoint(hop.relay().clientSide(), session);
        ServerEndpointConfig config = ServerEndpointConfig.Builder.create(ClientHopEndpoint.class, "/")
            .subprotocols(hop.subProtocol() == null ? List.of() : List.of(hop.subProtocol()))
            .configurator(new Configurator(hop, endpoint))
            .build();
        try
        {
            container.upgradeHttpToWebSocket(request, response, config, Map.of());
        }
        catch (DeploymentException x)
        {
            throw new IOException(x);
        }
        // Tomcat answers a request it cannot upgrade itself (400, 403, 426) and does not upgrade it.
        return response.getStatus() == HttpServletResponse.SC_SWITCHING_PROTOCOLS;
    }

    private static final class Configurator extends ServerEndpointConfig.Configurator
    {
        private final BackendHop hop;
        private final ClientHopEndpoint endpoint;

        private Configurator(BackendHop hop, ClientHopEndpoint endpoint)
        {
            this.hop = hop;
            this.endpoint = endpoint;
        }

        @Override
        public boolean checkOrigin(String originHeaderValue)
        {
            // The proxy's own Origin policy (guard/OriginPolicy) has decided already.
            return true;
        }

        @Override
        public String getNegotiatedSubprotocol(List<String> supported, List<String> requested)
        {
            // The backend chose among the client's; none when it chose none.
            return hop.subProtocol() == null ? "" : hop.subProtocol();
        }

        @Override
        public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested)
        {
            // Frames pass as they are, as on Jetty: no compression on the client's hop.
            return List.of();
        }

        @Override
        public void modifyHandshake(ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response)
        {
            if (hop.backendHeaders() != null)
            {
                for (HttpField field : hop.backendHeaders())
                {
                    if (!PER_HOP_RESPONSE_HEADERS.contains(field.getLowerCaseName()))
                        response.getHeaders().computeIfAbsent(field.getName(), name -> new java.util.ArrayList<>()).add(field.getValue());
                }
            }
            if (hop.setCookie() != null)
                response.getHeaders().computeIfAbsent("Set-Cookie", name -> new java.util.ArrayList<>()).add(hop.setCookie());
        }

        @Override
        public <T> T getEndpointInstance(Class<T> endpointClass)
        {
            return endpointClass.cast(endpoint);
        }
    }
}
