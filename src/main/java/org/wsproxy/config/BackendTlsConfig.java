package org.wsproxy.config;

/**
 * How the proxy checks the certificates of {@code https://} and {@code wss://} backends: always the chain
 * and the host name, against the JVM's trust store or the one configured here, unless {@code trustAll}.
 *
 * @param trustStore path of the trust store (absolute, or relative to jetty.base), or "" for the JVM's
 * @param trustStorePassword its password, or "" for none
 * @param trustStoreType its type, e.g. PKCS12 or JKS
 * @param trustAll accept any certificate for any host name: for development only (logged as a WARN at start)
 */
public record BackendTlsConfig(String trustStore, String trustStorePassword, String trustStoreType, boolean trustAll)
{
    @Override
    public String toString()
    {
        // Never the password.
        return "BackendTlsConfig[" + (trustAll ? "trust all" : trustStore.isEmpty() ? "JVM trust store" : trustStoreType + " " + trustStore) + "]";
    }
}
