package dev.dycoke4j.peer.jlama;

import dev.dycoke4j.peer.TextEngine;

/** Jlama, in this JVM or a child's, with the next-token logits that check it runs the same model as ours. */
interface JlamaEngine extends TextEngine {
    /** The logits of the next token after {@code prompt}. */
    float[] nextLogits(int[] prompt);
}
