package dev.dycoke4j.llm;

import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A restored prefix plus the rest of the prompt gives the logits of one full prefill. */
class KvSnapshotTest {
    @Test
    void restoringAPrefixMatchesTheFullPrefill() {
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model())) {
            Qwen2Decoder dec = m.decoder();
            int d = dec.config().hiddenSize(), T = 90, p = 70, vocab = dec.config().vocabSize();
            int[] ids = new int[T];
            Random r = new Random(3);
            for (int i = 0; i < T; i++) ids[i] = r.nextInt(400);
            KvCache full = m.newCache(T + 4);
            float[] want = dec.forward(dec.embed(ids), T, full, 1);

            KvSnapshot snap = KvSnapshot.capture(full, ids, p);
            assertEquals(p, snap.length());
            assertEquals(2L * 3 * p * full.kvDim() * 4 + 4L * p, snap.bytes());
            int[] other = ids.clone();
            other[p + 5] = (other[p + 5] + 1) % 400; // a different question after the same prefix
            assertEquals(p, snap.sharedWith(other));

            KvCache cache = m.newCache(T + 4);
            snap.restore(cache, p);
            float[] got = dec.forward(Arrays.copyOfRange(dec.embed(ids), p * d, T * d), T - p, cache, 1);
            assertEquals(vocab, got.length);
            Oracle.assertClose("logits after a restored prefix", got, want, 1e-4);
            assertEquals(T, cache.length());

            // a shorter restore (a prompt sharing fewer ids) is as good
            KvCache part = m.newCache(T + 4);
            snap.restore(part, 40);
            Oracle.assertClose("logits after 40 restored slots", dec.forward(Arrays.copyOfRange(dec.embed(ids), 40 * d, T * d), T - 40, part, 1), want, 1e-4);

            // greedy continuation is the same
            int a = argmax(want), b = argmax(got);
            assertEquals(a, b);
            assertThrows(IllegalStateException.class, () -> snap.restore(cache, p), "only into an empty cache");
            assertArrayEquals(Arrays.copyOf(ids, p), snap.tokens());
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
