# wsproxy's deadline for request headers (org.wsproxy.server.RequestHeaderTimeout), set in start.d/server.ini.

[description]
Closes an HTTP/1 connection whose request line and headers have not all arrived within
wsproxy.headerTimeout milliseconds (nginx's client_header_timeout), which Jetty's idle timeout does not do:
it starts again at every byte. Its class is in wsproxy.war, at the root of the archive (outside WEB-INF).

[depends]
server
wsproxy-threadpool

[lib]
${wsproxy.war}

[xml]
etc/wsproxy-header-timeout.xml
