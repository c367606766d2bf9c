package org.wsproxy.upstream;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.wsproxy.config.BackendTlsConfig;
import org.wsproxy.config.ConfigException;
import org.wsproxy.config.ProxyConfigParser;

/**
 * The TLS settings of every client the proxy opens toward backends (HTTP, WebSocket, health probes), made
 * from one {@link BackendTlsConfig} so that the three check certificates alike: chain and host name
 * ({@code HTTPS} endpoint identification) against the JVM's trust store or the configured one; neither
 * when trust-all is on.
 */
public final class BackendTls
{
    private BackendTls()
    {
    }

    /** A new factory for one client (each client starts and stops its own). */
    public static SslContextFactory.Client sslContextFactory(BackendTlsConfig config)
    {
        SslContextFactory.Client factory = new SslContextFactory.Client(config.trustAll());
        if (config.trustAll())
            return factory; // setTrustAll(true) also turned endpoint identification off.
        // Jetty's default too; written here because it is the point: the backend's name must be in its certificate.
        factory.setEndpointIdentificationAlgorithm("HTTPS");
        if (!config.trustStore().isEmpty())
        {
            factory.setTrustStorePath(resolve(config.trustStore()).toString());
            factory.setTrustStoreType(config.trustStoreType());
            if (!config.trustStorePassword().isEmpty())
                factory.setTrustStorePassword(config.trustStorePassword());
        }
        return factory;
    }

    /**
     * Loads the configured trust store once, so a missing file or a wrong password fails the deployment with
     * the parameter's name rather than the first request to a TLS backend.
     */
    public static void check(BackendTlsConfig config)
    {
        if (config.trustStore().isEmpty())
            return;
        Path path = resolve(config.trustStore());
        if (!Files.isReadable(path))
            throw new ConfigException(ProxyConfigParser.BACKEND_TRUST_STORE, config.trustStore(), "a readable trust store file (" + path + " is not)");
        try (InputStream in = Files.newInputStream(path))
        {
            KeyStore store = KeyStore.getInstance(config.trustStoreType());
            store.load(in, config.trustStorePassword().isEmpty() ? null : config.trustStorePassword().toCharArray());
            if (store.size() == 0)
                throw new ConfigException(ProxyConfigParser.BACKEND_TRUST_STORE, config.trustStore(), "a trust store holding at least one certificate");
        }
        catch (ConfigException x)
        {
            throw x;
        }
        catch (Exception x)
        {
            throw new ConfigException(ProxyConfigParser.BACKEND_TRUST_STORE, config.trustStore(), "a " + config.trustStoreType() +
                " trust store that opens with " + ProxyConfigParser.BACKEND_TRUST_STORE_PASSWORD + " (" + x.getMessage() + ")");
        }
    }

    /** Absolute, or relative to jetty.base (the working directory when that is not set), like the pools file. */
    static Path resolve(String configured)
    {
        Path path = Path.of(configured);
        if (path.isAbsolute())
            return path;
        String base = System.getProperty("jetty.base");
        return base == null ? path.toAbsolutePath() : Path.of(base).resolve(path);
    }
}
