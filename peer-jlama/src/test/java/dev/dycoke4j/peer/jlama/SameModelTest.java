package dev.dycoke4j.peer.jlama;

import dev.dycoke4j.pipeline.LoadOptions;

import dev.dycoke4j.peer.DycokeText;

import dev.dycoke4j.parallel.Parallel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The comparison runs one model: on a tiny random checkpoint, Jlama (reading the derived Qwen2 layout) and our
 * decoder give the same next-token logits for the same ids, and the same greedy tokens.
 */
@Timeout(120)
class SameModelTest {
    @TempDir
    static Path tmp;
    static Path model, layout;

    @BeforeAll
    static void writeModel() throws Exception {
        model = TinyModel.write(tmp.resolve("llava"));
        layout = JlamaLayout.ensure(model, tmp.resolve("qwen2"));
    }

    /** Max |a - b| over the max |a|. */
    static double relativeError(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double err = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            err = Math.max(err, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        return err / scale;
    }

    @Test
    void sameLogitsAndTokensWithFloatActivations() {
        int[] prompt = JlamaPeer.promptIds(300, 500); // more than one of Jlama's 256-row prefill chunks
        try (DycokeText ours = new DycokeText(model, LoadOptions.asStored()); JlamaText peer = new JlamaText(layout, Parallel.threads(), com.github.tjake.jlama.safetensors.DType.F32)) {
            float[] a = ours.nextLogits(prompt), b = peer.nextLogits(prompt);
            assertTrue(relativeError(a, b) < 1e-2, "relative logit error " + relativeError(a, b));
            assertArrayEquals(ours.generate(prompt, 12).tokens(), peer.generate(prompt, 12).tokens());
        }
    }

    @Test
    void closeLogitsWithJlamasDefaultSettings() {
        // Jlama's defaults round activations to BF16 before each matmul: close, not equal
        int[] prompt = JlamaPeer.promptIds(40, 500);
        try (DycokeText ours = new DycokeText(model, LoadOptions.asStored()); JlamaText peer = new JlamaText(layout, Parallel.threads(), JlamaText.WORKING_Q)) {
            double e = relativeError(ours.nextLogits(prompt), peer.nextLogits(prompt));
            assertTrue(e < 0.05, "relative logit error " + e);
        }
    }

    @Test
    void layoutIsReusedWhileTheSourceIsUnchanged() throws Exception {
        long before = java.nio.file.Files.getLastModifiedTime(layout.resolve("model.safetensors")).toMillis();
        Thread.sleep(20);
        JlamaLayout.ensure(model, layout);
        assertEquals(before, java.nio.file.Files.getLastModifiedTime(layout.resolve("model.safetensors")).toMillis());
    }
}
