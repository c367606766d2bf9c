package org.wsproxy.e2e;

/** {@link TomcatDeployment} in Tomcat 11 ({@code tomcat11.version} in pom.xml). */
class Tomcat11DeploymentIT extends TomcatDeployment
{
    @Override
    String homeProperty()
    {
        return "tomcat11.home";
    }
}
