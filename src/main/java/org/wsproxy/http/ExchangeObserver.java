package org.wsproxy.http;

import org.wsproxy.route.Route;
import org.wsproxy.upstream.Endpoint;

/**
 * What the HTTP proxy tells an observer (metrics, status page) about its exchanges, after the decisions were
 * made; implementations must be quick and never block. Found as the servlet-context attribute named by this
 * interface; every method does nothing by default.
 */
public interface ExchangeObserver
{
    ExchangeObserver NONE = new ExchangeObserver()
    {
    };

    /** A request ended with {@code status}, {@code nanos} after it arrived; {@code route} is null when none matched. */
    default void completed(Route route, int status, long nanos)
    {
    }

    /** A try on {@code endpoint} got no response; {@code error} says why. */
    default void attemptFailed(Route route, Endpoint endpoint, String error)
    {
    }

    /** After a failed try, another backend is being tried. */
    default void requestRetried(Route route)
    {
    }

    /** A backend answered after an earlier one had failed. */
    default void failedOver(Route route)
    {
    }
}
