# wsproxy's server thread pool: Jetty's QueuedThreadPool (the same jetty.threadPool.* properties, set in
# start.d/server.ini) with a bound on the threads Jetty starts outside it (org.wsproxy.server.ProxyThreadPool).

[description]
The server thread pool of wsproxy: Jetty's QueuedThreadPool, whose tasks that must run at once and find no
reserved thread run on a small bounded pool instead of a new thread each. Its class is in wsproxy.war, at the
root of the archive (outside WEB-INF), which this module puts on the server's classpath.

[depends]
logging

[provides]
threadpool

[lib]
${wsproxy.war}

[xml]
etc/wsproxy-threadpool.xml

[ini]
## The WAR, absolute or relative to jetty.base; a value given on the command line or in start.d wins.
wsproxy.war?=../target/wsproxy.war
