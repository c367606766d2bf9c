package org.wsproxy.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * The soak's messages, the same both ways: {@code [seq:8][ack:8][status:1][crc:8][payload]}. {@code seq} numbers
 * the sender's messages on this session from 1; {@code ack} is the last message of the peer it had received when it
 * sent this one (the backend answers each client message, so its ack says which one it got, in order, intact);
 * {@code status} is 1 when everything the sender received so far was in order and intact, else 0; {@code crc} is
 * a CRC-32C of the whole message with the crc field zero. Payloads are random, of a size drawn log-uniformly from
 * 0 B to {@code maxSize}, so most are small and some are large.
 */
final class SoakMessages
{
    static final int HEADER = 25;

    private SoakMessages()
    {
    }

    static int randomSize(int maxSize)
    {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int bits = 32 - Integer.numberOfLeadingZeros(maxSize);
        long size = (1L << random.nextInt(bits + 1)) - 1 - random.nextInt(2);
        return (int)Math.max(0, Math.min(maxSize, size));
    }

    static ByteBuffer build(long seq, long ack, boolean ok, int payloadSize)
    {
        byte[] bytes = new byte[HEADER + payloadSize];
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        buffer.putLong(seq).putLong(ack).put((byte)(ok ? 1 : 0)).putLong(0);
        byte[] payload = new byte[payloadSize];
        ThreadLocalRandom.current().nextBytes(payload);
        buffer.put(payload);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        ByteBuffer.wrap(bytes, 17, 8).putLong(crc.getValue());
        return ByteBuffer.wrap(bytes);
    }

    /** A received message, checked. */
    record Message(long seq, long ack, boolean ok, boolean intact)
    {
    }

    static Message read(ByteBuffer message)
    {
        ByteBuffer copy = message.duplicate();
        if (copy.remaining() < HEADER)
            return new Message(-1, -1, false, false);
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        ByteBuffer header = ByteBuffer.wrap(bytes);
        long seq = header.getLong();
        long ack = header.getLong();
        boolean ok = header.get() == 1;
        long crcValue = header.getLong();
        ByteBuffer.wrap(bytes, 17, 8).putLong(0);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return new Message(seq, ack, ok, crc.getValue() == crcValue);
    }
}
