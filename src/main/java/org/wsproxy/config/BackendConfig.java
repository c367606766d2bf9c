package org.wsproxy.config;

import java.net.URI;

/**
 * One backend of a pool as configured: {@code http://10.0.0.5:8080 weight=3 backup}.
 *
 * @param uri the backend's base URL (http, https, ws or wss)
 * @param weight its share of new sessions relative to the pool's other backends, 1 to 1000
 * @param backup used only when no primary backend is eligible
 * @param drain takes no new sessions (sticky ones excepted); live sessions go on
 */
public record BackendConfig(URI uri, int weight, boolean backup, boolean drain)
{
    public static final int MAX_WEIGHT = 1000;

    public static BackendConfig of(URI uri)
    {
        return new BackendConfig(uri, 1, false, false);
    }

    @Override
    public String toString()
    {
        return uri + (weight != 1 ? " weight=" + weight : "") + (backup ? " backup" : "") + (drain ? " drain" : "");
    }
}
