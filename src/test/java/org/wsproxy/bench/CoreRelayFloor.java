package org.wsproxy.bench;

import java.net.URI;
import java.time.Duration;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;

/**
 * The floor the handshake is compared with (README, "Benchmark"): the cheapest WebSocket proxy Jetty 12.1 allows
 * for the same work as wsproxy's, as its own process. A core {@link Handler} (no servlet layer, no routes, no
 * checks) opens the backend's hop first with websocket-core's client, then accepts the client's upgrade with
 * websocket-core's handshaker and relays frames as frames, demanding the next only when the other hop took it.
 * The headers a proxy passes on (everything but the per-hop ones, plus X-Forwarded-For) go to the backend. Not a
 * proxy to run: nothing is checked, closes are passed on as frames, and any failure is a 502. Prints
 * {@code LISTENING <port>} and exits when its standard input ends, as {@link BenchBackend} does.
 */
public final class CoreRelayFloor extends Handler.Abstract
{
    private static final Duration IDLE_TIMEOUT = Duration.ofHours(1);

    private final URI backend;
    private final WebSocketCoreClient client;
    private final WebSocketComponents components;
    private final Handshaker handshaker = Handshaker.newInstance();
    private final Configuration.ConfigurationCustomizer settings = new Configuration.ConfigurationCustomizer();

    private CoreRelayFloor(URI backend, WebSocketCoreClient client, WebSocketComponents components)
    {
        this.backend = backend;
        this.client = client;
        this.components = components;
        settings.setIdleTimeout(IDLE_TIMEOUT);
        settings.setMaxFrameSize(64 * 1024);
        settings.setAutoFragment(true);
    }

    public static void main(String[] args) throws Exception
    {
        int backendPort = Integer.parseInt(args[0]);
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("floor");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);

        HttpClient httpClient = new HttpClient(new HttpClientTransportOverHTTP(new ClientConnector()));
        httpClient.setExecutor(threads);
        httpClient.setByteBufferPool(server.getByteBufferPool());
        httpClient.setUserAgentField(null);
        httpClient.setFollowRedirects(false);
        // Every connection is a handshake in progress; an upgraded one leaves the pool (as wsproxy sets it).
        httpClient.setMaxConnectionsPerDestination(1 << 20);
        httpClient.setMaxRequestsQueuedPerDestination(1 << 20);
        WebSocketCoreClient client = new WebSocketCoreClient(httpClient,
            new WebSocketComponents(null, null, server.getByteBufferPool(), null, null, threads));
        server.addBean(client);
        WebSocketComponents components = WebSocketServerComponents.ensureWebSocketComponents(server);
        server.setHandler(new CoreRelayFloor(URI.create("ws://127.0.0.1:" + backendPort), client, components));
        ChildServer.runUntilStdinCloses(server, connector);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback)
    {
        if (!handshaker.isWebSocketUpgradeRequest(request))
        {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            return true;
        }
        Hop clientHop = new Hop();
        Hop backendHop = new Hop();
        clientHop.peer = backendHop;
        backendHop.peer = clientHop;
        String query = request.getHttpURI().getQuery();
        URI target = backend.resolve(request.getHttpURI().getPath() + (query == null ? "" : "?" + query));
        CoreClientUpgradeRequest upgrade = CoreClientUpgradeRequest.from(client, target, backendHop);
        upgrade.headers(fields ->
        {
            for (HttpField field : request.getHeaders())
            {
                HttpHeader header = field.getHeader();
                if (header == HttpHeader.CONNECTION || header == HttpHeader.UPGRADE || header == HttpHeader.HOST ||
                    header == HttpHeader.SEC_WEBSOCKET_KEY || header == HttpHeader.SEC_WEBSOCKET_VERSION ||
                    header == HttpHeader.SEC_WEBSOCKET_EXTENSIONS || header == HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL ||
                    header == HttpHeader.CONTENT_LENGTH)
                    continue;
                fields.add(field);
            }
            fields.add(HttpHeader.X_FORWARDED_FOR, Request.getRemoteAddr(request));
        });
        upgrade.setConfiguration(settings);
        try
        {
            client.connect(upgrade).whenComplete((session, failure) ->
            {
                if (failure != null)
                {
                    Response.writeError(request, response, callback, HttpStatus.BAD_GATEWAY_502);
                    return;
                }
                try
                {
                    WebSocketNegotiator.AbstractNegotiator negotiator = new WebSocketNegotiator.AbstractNegotiator()
                    {
                        @Override
                        public FrameHandler negotiate(ServerUpgradeRequest upgradeRequest, ServerUpgradeResponse upgradeResponse, Callback negotiated)
                        {
                            upgradeResponse.setExtensions(java.util.List.of());
                            return clientHop;
                        }
                    };
                    settings.customize(negotiator);
                    if (!handshaker.upgradeRequest(negotiator, request, response, callback, components, null))
                    {
                        session.close(CloseStatus.SHUTDOWN, "client upgrade failed", Callback.NOOP);
                        Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400);
                    }
                }
                catch (Throwable x)
                {
                    session.close(CloseStatus.SHUTDOWN, "client upgrade failed", Callback.NOOP);
                    Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400);
                }
            });
        }
        catch (Throwable x)
        {
            Response.writeError(request, response, callback, HttpStatus.BAD_GATEWAY_502);
        }
        return true;
    }

    /**
     * One hop: forwards each frame to the other hop's session and asks for the next one when that send completed.
     * The backend hop opens first; both start reading once the client's has opened too.
     */
    private static final class Hop implements FrameHandler
    {
        private volatile CoreSession session;
        private Hop peer;

        @Override
        public void onOpen(CoreSession session, Callback callback)
        {
            this.session = session;
            callback.succeeded();
            // The client's hop opens last: both may read now.
            if (peer.session != null && session.getBehavior() == org.eclipse.jetty.websocket.core.Behavior.SERVER)
            {
                session.demand();
                peer.session.demand();
            }
        }

        @Override
        public void onFrame(Frame frame, Callback callback)
        {
            CoreSession other = peer.session;
            if (other == null)
            {
                callback.failed(new IllegalStateException("no peer"));
                return;
            }
            other.sendFrame(frame, Callback.from(() ->
            {
                callback.succeeded();
                if (frame.getOpCode() != OpCode.CLOSE)
                    session.demand();
            }, x -> callback.succeeded()), false);
        }

        @Override
        public void onError(Throwable cause, Callback callback)
        {
            callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus closeStatus, Callback callback)
        {
            CoreSession other = peer.session;
            if (other != null)
                other.close(closeStatus.getCode(), closeStatus.getReason(), Callback.NOOP);
            callback.succeeded();
        }
    }
}
