package org.wsproxy.e2e;

/** {@link TomcatDeployment} in Tomcat 10.1 ({@code tomcat.version} in pom.xml). */
class Tomcat101DeploymentIT extends TomcatDeployment
{
    @Override
    String homeProperty()
    {
        return "tomcat.home";
    }
}
