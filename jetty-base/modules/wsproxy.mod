# DO NOT EDIT for routes or backends: those are in etc/wsproxy-override.xml.

[description]
Deploys wsproxy, the WebSocket and HTTP reverse proxy WAR, at "/" (see webapps/wsproxy.xml).
Pulls in the ee10 deployer and the server-side Jetty WebSocket API and client the WAR expects.

[environment]
ee10

[depend]
ee10-deploy
ee10-webapp
ee10-websocket-jetty
ee10-websocket-jetty-client-webapp

[xml]
etc/wsproxy-environment.xml

[ini-template]
## Path of wsproxy.war, absolute or relative to jetty.base.
# wsproxy.war=../target/wsproxy.war
