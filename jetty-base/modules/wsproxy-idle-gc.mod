# wsproxy: a full GC and a native heap trim once the JVM has gone quiet (org.wsproxy.server.IdleGc), so that
# the Serial collector of start.d/jvm.ini gives memory back after a burst. Interval: wsproxy.idleGcInterval.

[description]
Runs a full GC, then trims the C library's free native memory, once the JVM has allocated almost nothing
(under 64 KiB/s) for wsproxy.idleGcInterval milliseconds after some activity: the Serial collector gives heap
back only at a full GC, and nothing else runs one while the proxy is idle. Its class is in wsproxy.war, at
the root of the archive.

[depends]
server
wsproxy-threadpool

[lib]
${wsproxy.war}

[xml]
etc/wsproxy-idle-gc.xml
