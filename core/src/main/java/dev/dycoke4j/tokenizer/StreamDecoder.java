package dev.dycoke4j.tokenizer;

import java.util.Arrays;

/**
 * Decodes generated ids one at a time. Each {@link #push} returns the text completed by that id; the bytes of a UTF-8
 * sequence that is still unfinished (e.g. the first half of an emoji split over two tokens) are held back until a
 * later id completes it or {@link #flush} ends the stream. The concatenation of all returned strings equals
 * {@link Tokenizer#decode} of all the ids. Not thread-safe: use one per stream.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int size;

    StreamDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Feeds one id; returns the newly completed text, possibly empty. */
    public String push(int id) {
        byte[] b = tokenizer.tokenBytes(id);
        if (size + b.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, size + b.length));
        }
        System.arraycopy(b, 0, pending, size, b.length);
        size += b.length;
        int ready = Utf8.incompleteTailStart(pending, size);
        String text = Utf8.decodeLossy(pending, 0, ready);
        System.arraycopy(pending, ready, pending, 0, size - ready);
        size -= ready;
        return text;
    }

    /** Ends the stream: returns what was held back (an unfinished sequence becomes U+FFFD) and resets the decoder. */
    public String flush() {
        String text = Utf8.decodeLossy(pending, 0, size);
        size = 0;
        return text;
    }
}
