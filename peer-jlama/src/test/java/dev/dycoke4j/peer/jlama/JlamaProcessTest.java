package dev.dycoke4j.peer.jlama;

import dev.dycoke4j.peer.TextEngine;

import dev.dycoke4j.parallel.Parallel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Jlama in a child JVM answers as Jlama in this one does, and a child that cannot start is one clear error. */
@Timeout(180)
class JlamaProcessTest {
    @TempDir
    static Path tmp;
    static Path layout;

    @BeforeAll
    static void writeModel() throws Exception {
        layout = JlamaLayout.ensure(TinyModel.write(tmp.resolve("llava")), tmp.resolve("qwen2"));
    }

    @Test
    void theChildGivesTheSameTokensAndLogitsAsJlamaHere() {
        assertEquals(JlamaText.WORKING_Q.name(), JlamaProcess.WORKING_Q);
        int[] prompt = JlamaPeer.promptIds(40, 500);
        try (JlamaText here = new JlamaText(layout, Parallel.threads(), JlamaText.WORKING_Q);
             JlamaProcess child = new JlamaProcess(layout, Parallel.threads(), JlamaProcess.WORKING_Q)) {
            TextEngine.Run a = here.generate(prompt, 6), b = child.generate(prompt, 6);
            assertArrayEquals(a.tokens(), b.tokens());
            assertTrue(b.prefillSeconds() > 0 && b.decodeSeconds() > 0, b.toString());
            // the same model, though not the same rounding: the child's JIT has compiled less of Jlama than this JVM's
            double e0 = SameModelTest.relativeError(here.nextLogits(prompt), child.nextLogits(prompt));
            assertTrue(e0 < 1e-4, "relative logit error " + e0);
            // a request the child cannot answer is an error, and the child goes on
            var e = assertThrows(IllegalStateException.class, () -> child.generate(new int[] {1, 2}, 0));
            assertTrue(e.getMessage().startsWith("Jlama failed: "), e.getMessage());
            assertArrayEquals(a.tokens(), child.generate(prompt, 6).tokens());
        }
    }

    @Test
    void aChildThatCannotLoadItsModelIsOneError() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        var e = assertThrows(IllegalStateException.class, () -> new JlamaProcess(empty, 1, JlamaProcess.WORKING_Q).close());
        assertTrue(e.getMessage().startsWith("Jlama's process did not start: error "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
