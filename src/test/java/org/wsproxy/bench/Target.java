package org.wsproxy.bench;

import java.util.List;

/**
 * Where a workload is sent: straight to the backend (the floor), or through a proxy whose processes are
 * measured.
 *
 * @param name as shown in the table: direct, wsproxy or nginx
 * @param port where it listens on 127.0.0.1 (the backend's own for direct)
 * @param pids the proxy's processes, empty for direct
 * @param jcmd the jcmd that can GC the proxy, or null when it is not a JVM
 */
record Target(String name, int port, List<Long> pids, java.nio.file.Path jcmd)
{
    String webSocketUrl()
    {
        return "ws://127.0.0.1:" + port + "/ws/echo";
    }

    String httpUrl()
    {
        return "http://127.0.0.1:" + port + "/page";
    }

    boolean isProxy()
    {
        return !pids.isEmpty();
    }

    /** The load driver's flags that let it measure this target's processes. */
    List<String> probeArgs()
    {
        if (pids.isEmpty())
            return List.of();
        String list = String.join(",", pids.stream().map(String::valueOf).toList());
        return jcmd == null ? List.of("--pids=" + list) : List.of("--pids=" + list, "--jcmd=" + jcmd);
    }
}
