package org.wsproxy.route;

import java.net.URI;

/**
 * Builds the backend URI for a request, with nginx's {@code proxy_pass} rule: a backend URL without a
 * path gets the request's (normalised) path unchanged; a backend URL with a path (even "/") has the route's
 * prefix replaced by that path. The path is percent-encoded again here, the one place where the decoded path
 * becomes part of a URI; the query string is passed as is.
 */
public final class TargetUri
{
    private TargetUri()
    {
    }

    /**
     * @param backend the backend's base URL (http, https, ws or wss)
     * @param route the matched route
     * @param path the request's path within the context, decoded and normalised ({@link RequestPath#of})
     * @param query the raw query, or null
     * @param websocket true for a ws/wss target, false for http/https
     */
    public static URI resolve(URI backend, Route route, String path, String query, boolean websocket)
    {
        String basePath = backend.getRawPath();
        String targetPath;
        if (basePath == null || basePath.isEmpty())
            targetPath = RequestPath.encode(path);
        else
            targetPath = join(basePath, RequestPath.encode(path.substring(Math.min(route.pathPrefix().length(), path.length()))));
        StringBuilder uri = new StringBuilder(64)
            .append(scheme(backend.getScheme(), websocket))
            .append("://")
            .append(backend.getRawAuthority())
            .append(targetPath);
        if (query != null)
            uri.append('?').append(query);
        return URI.create(uri.toString());
    }

    private static String join(String base, String rest)
    {
        if (base.endsWith("/") && rest.startsWith("/"))
            return base + rest.substring(1);
        return base + rest;
    }

    private static String scheme(String scheme, boolean websocket)
    {
        boolean secure = scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("wss");
        if (websocket)
            return secure ? "wss" : "ws";
        return secure ? "https" : "http";
    }
}
