package org.wsproxy.upstream;

/**
 * An endpoint as a member of one pool snapshot: the endpoint (long-lived) with the settings this
 * configuration gives it. Immutable; a reconfiguration makes new members around the same endpoints.
 *
 * @param endpoint the backend
 * @param weight its share of new sessions, 1 to 1000
 * @param backup used only when no primary member is eligible
 * @param drain takes no new sessions except sticky ones; live ones go on
 */
public record Member(Endpoint endpoint, int weight, boolean backup, boolean drain)
{
}
