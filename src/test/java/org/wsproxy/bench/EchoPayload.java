package org.wsproxy.bench;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * The messages of an echo load, of one size, all text or all binary, made so that each echo can be
 * checked against the message it must be without keeping copies of what was sent.
 * <p>Text: {@code "#<connection>:<n>:"} padded with {@code x}. Binary: one random block shared by all
 * messages, with the message number {@code n} in its first 8 bytes.</p>
 */
final class EchoPayload
{
    private static final int HEADER = Long.BYTES;

    private final int size;
    private final boolean binary;
    private final ByteBuffer block;
    private final String padding;

    EchoPayload(int size, boolean binary)
    {
        if (binary && size < HEADER)
            throw new IllegalArgumentException("binary messages need at least " + HEADER + " bytes, not " + size);
        this.size = size;
        this.binary = binary;
        byte[] bytes = new byte[binary ? size : 0];
        new Random(size).nextBytes(bytes);
        this.block = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        this.padding = "x".repeat(size);
    }

    int size()
    {
        return size;
    }

    boolean binary()
    {
        return binary;
    }

    /** Text message {@code n} of {@code connection}: at least as long as the prefix, else {@link #size()} bytes. */
    String text(int connection, long n)
    {
        String prefix = "#" + connection + ":" + n + ":";
        return prefix.length() >= size ? prefix : prefix + padding.substring(prefix.length());
    }

    /** A buffer for binary messages, to {@link #stamp} with a number before each send. */
    ByteBuffer newMessage()
    {
        ByteBuffer message = ByteBuffer.allocate(size);
        message.put(block.duplicate()).flip();
        return message;
    }

    void stamp(ByteBuffer message, long n)
    {
        message.putLong(0, n);
    }

    /** Whether {@code frame}, found at {@code offset} in the echo of binary message {@code n}, is what was sent there. */
    boolean matches(ByteBuffer frame, int offset, long n)
    {
        int length = frame.remaining();
        if (offset + length > size)
            return false;
        int position = frame.position();
        int i = 0;
        // The header bytes, if this frame has any of them.
        for (; offset + i < HEADER && i < length; i++)
        {
            if (frame.get(position + i) != (byte)(n >>> (8 * (HEADER - 1 - offset - i))))
                return false;
        }
        if (i == length)
            return true;
        ByteBuffer rest = frame.slice(position + i, length - i);
        return rest.mismatch(block.slice(offset + i, length - i)) < 0;
    }
}
