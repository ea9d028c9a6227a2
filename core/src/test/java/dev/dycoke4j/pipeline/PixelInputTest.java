package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The public entry points that take raw pixel values reject an array of the wrong length instead of zero-padding it. */
class PixelInputTest {
    static final String Q = "What happens in this video?";
    static VideoQa qa;
    static int per;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(Oracle.model());
        int img = qa.model().config().vision().imageSize();
        per = 3 * img * img;
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    static String answerFails(float[] pixels, int frames) {
        return assertThrows(IllegalArgumentException.class, () -> qa.answerFromPixels(pixels, new VisionOptions(frames, 8), Q, null,
                GenerationOptions.greedy(2), CompressionMethods.none(), null, null)).getMessage();
    }

    static String fidelityFails(float[] pixels, int frames) {
        return assertThrows(IllegalArgumentException.class, () -> Fidelity.ofPixels(qa, pixels, new VisionOptions(frames, 8), Q, 2)).getMessage();
    }

    @Test
    void aShortOrLongArrayIsRejectedWithOneClearLine() {
        assertEquals(56, qa.model().config().vision().imageSize(), "the oracle's image size, in the messages below");
        String shortBy = "pixel values hold " + (2 * per - 1) + " floats, not the " + 2 * per + " of 2 frames [3, 56, 56]";
        assertEquals(shortBy, answerFails(new float[2 * per - 1], 2));
        assertEquals(shortBy, fidelityFails(new float[2 * per - 1], 2));
        String longBy = "pixel values hold " + 3 * per + " floats, not the " + 2 * per + " of 2 frames [3, 56, 56]";
        assertEquals(longBy, answerFails(new float[3 * per], 2));
        assertEquals(longBy, fidelityFails(new float[3 * per], 2));
        assertEquals("pixel values hold nothing (null), not the " + per + " of 1 frame [3, 56, 56]", answerFails(null, 1));
    }

    @Test
    void noFramesIsRejected() {
        assertEquals("frames must be at least 1, got 0", answerFails(new float[0], 0));
        assertEquals("frames must be at least 1, got -1", fidelityFails(new float[per], -1));
    }

    @Test
    void theRightLengthIsAnswered() {
        Answer a = qa.answerFromPixels(new float[2 * per], VisionOptions.of(2), Q, null, GenerationOptions.greedy(2), CompressionMethods.none(), null, null);
        assertEquals(2, a.stats().frames());
    }
}
