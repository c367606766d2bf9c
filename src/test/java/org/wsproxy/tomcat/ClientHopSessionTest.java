package org.wsproxy.tomcat;

import java.nio.charset.StandardCharsets;

import jakarta.websocket.CloseReason;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The close codes and reasons the relay chooses, as the Jakarta WebSocket API takes them on Tomcat. */
public class ClientHopSessionTest
{
    @Test
    public void codesTheApiNamesAndThoseItDoesNot()
    {
        assertSame(CloseReason.CloseCodes.GOING_AWAY, ClientHopSession.closeReason(1001, "x").getCloseCode());
        // 1014, Bad Gateway, is not in the API's enum: it goes as it is.
        assertEquals(1014, ClientHopSession.closeReason(1014, "Bad Gateway").getCloseCode().getCode());
        assertEquals(4007, ClientHopSession.closeReason(4007, "app").getCloseCode().getCode());
        // Codes a close frame must not carry.
        assertSame(CloseReason.CloseCodes.UNEXPECTED_CONDITION, ClientHopSession.closeReason(1006, "").getCloseCode());
        assertSame(CloseReason.CloseCodes.UNEXPECTED_CONDITION, ClientHopSession.closeReason(2000, "").getCloseCode());
    }

    @Test
    public void aLongReasonIsCutAtACharacterWithin123Bytes()
    {
        String reason = "é".repeat(100);
        String cut = ClientHopSession.closeReason(4000, reason).getReasonPhrase();
        assertTrue(cut.getBytes(StandardCharsets.UTF_8).length <= 123, cut);
        assertEquals("é".repeat(61), cut);
        assertEquals("", ClientHopSession.closeReason(1000, null).getReasonPhrase());
    }
}
