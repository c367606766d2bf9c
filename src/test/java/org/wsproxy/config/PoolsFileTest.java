package org.wsproxy.config;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The watched pools file's syntax: pools it lists take its backends, others keep theirs; anything wrong refuses it whole. */
public class PoolsFileTest
{
    private static ProxyConfig config()
    {
        Map<String, String> raw = new HashMap<>();
        raw.put("wsproxy.pools", "chat, web");
        raw.put("wsproxy.pool.chat.backends", "http://10.0.0.1:80, http://10.0.0.2:80");
        raw.put("wsproxy.pool.web.backends", "http://10.0.1.1:80");
        raw.put("wsproxy.routes", "ws, app, misc");
        raw.put("wsproxy.route.ws.path", "/ws/");
        raw.put("wsproxy.route.ws.pool", "chat");
        raw.put("wsproxy.route.app.path", "/");
        raw.put("wsproxy.route.app.pool", "web");
        raw.put("wsproxy.route.misc.path", "/misc/");
        raw.put("wsproxy.route.misc.backends", "http://10.0.2.1:80");
        return ProxyConfigParser.parse(new Params(raw, ProxyConfigParser.PREFIX));
    }

    @Test
    public void listedPoolsTakeTheFilesBackendsOthersKeepTheirs()
    {
        Map<String, List<BackendConfig>> backends = PoolsFile.parse("""
            # comment
            wsproxy.pool.chat.backends = http://10.0.0.2:80 drain, \\
                http://10.0.0.3:80 weight=3
            wsproxy.route.misc.backends = http://10.0.2.9:80 backup, http://10.0.2.1:80
            """, config());
        assertEquals(List.of(new BackendConfig(URI.create("http://10.0.0.2:80"), 1, false, true),
            new BackendConfig(URI.create("http://10.0.0.3:80"), 3, false, false)), backends.get("chat"));
        assertEquals(List.of(BackendConfig.of(URI.create("http://10.0.1.1:80"))), backends.get("web"));
        assertEquals(List.of(new BackendConfig(URI.create("http://10.0.2.9:80"), 1, true, false), BackendConfig.of(URI.create("http://10.0.2.1:80"))),
            backends.get("route:misc"));
        assertEquals(config().pools().size(), PoolsFile.parse("", config()).size());
    }

    @Test
    public void anythingWrongRefusesTheWholeFile()
    {
        for (String[] bad : new String[][]{
            {"wsproxy.pool.nope.backends = http://a:80", "wsproxy.pool.nope.backends"},
            {"wsproxy.pool.chat.balancer = ip-hash", "wsproxy.pool.chat.balancer"},
            {"wsproxy.route.ws.backends = http://a:80", "wsproxy.route.ws.backends"},
            {"wsproxy.pool.chat.backends = http://a:80 weight=0", "wsproxy.pool.chat.backends"},
            {"wsproxy.pool.chat.backends =", "wsproxy.pool.chat.backends"},
            {"wsproxy.pool.web.backends = http://b:80\nwsproxy.pool.chat.backends = ftp://a", "wsproxy.pool.chat.backends"}})
        {
            ConfigException x = assertThrows(ConfigException.class, () -> PoolsFile.parse(bad[0], config()), bad[0]);
            assertEquals(bad[1], x.getParameter());
            assertTrue(x.getMessage().contains(bad[1]));
        }
    }
}
