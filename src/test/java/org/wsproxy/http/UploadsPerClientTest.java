package org.wsproxy.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.wsproxy.http.UploadsPerClient.Admission.ADMITTED;
import static org.wsproxy.http.UploadsPerClient.Admission.REFUSED;
import static org.wsproxy.http.UploadsPerClient.Admission.REFUSED_AGAIN;

/** The per-address count of bodies in progress, without a network. */
public class UploadsPerClientTest
{
    @Test
    public void eachAddressHasItsOwnLimitAndALineWorthOfRefusalPerBurst()
    {
        UploadsPerClient uploads = new UploadsPerClient(2);
        assertEquals(ADMITTED, uploads.acquire("10.0.0.1"));
        assertEquals(ADMITTED, uploads.acquire("10.0.0.1"));
        assertEquals(REFUSED, uploads.acquire("10.0.0.1"));
        assertEquals(REFUSED_AGAIN, uploads.acquire("10.0.0.1"));
        assertEquals(ADMITTED, uploads.acquire("10.0.0.2"));

        uploads.release("10.0.0.1");
        assertEquals(ADMITTED, uploads.acquire("10.0.0.1"));
        assertEquals(REFUSED_AGAIN, uploads.acquire("10.0.0.1"));

        // Once every body of an address has ended, it is forgotten: the next burst is logged again.
        uploads.release("10.0.0.1");
        uploads.release("10.0.0.1");
        assertEquals(ADMITTED, uploads.acquire("10.0.0.1"));
        assertEquals(ADMITTED, uploads.acquire("10.0.0.1"));
        assertEquals(REFUSED, uploads.acquire("10.0.0.1"));
    }
}
