package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.DecodePruning;
import dev.dycoke4j.compress.ForwardingMethod;
import dev.dycoke4j.compress.RequestShape;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A method's decode hook that throws in one sequence of a batched decode step ends that sequence alone: the others of
 * the batch give the tokens they give alone, and the failing one reports the hook's exception. A sequence stepped
 * alone still throws it.
 */
@Timeout(300)
class FailingHookTest {
    static final String BOOM = "the hook failed on purpose";

    /** Where the hook throws. */
    enum Where { SELECT, AFTER_SELECT }

    /** {@code base}, whose decode hook throws at its {@code at}-th step (from 1), in {@code where}. */
    record Failing(CompressionMethod base, int at, Where where) implements ForwardingMethod {
        @Override
        public DecodePruning decode(RequestShape request) {
            DecodePruning h = base.decode(request);
            return new DecodePruning() {
                int steps;

                @Override
                public int probeLayer() {
                    return h.probeLayer();
                }

                @Override
                public int[] select(float[] probs, int len) {
                    if (++steps == at && where == Where.SELECT) throw new IllegalStateException(BOOM);
                    return h.select(probs, len);
                }

                @Override
                public void afterSelect(KvCache cache, int[] active) {
                    if (steps == at && where == Where.AFTER_SELECT) throw new IllegalStateException(BOOM);
                    h.afterSelect(cache, active);
                }

                @Override
                public double attendedMean() {
                    return h.attendedMean();
                }

                @Override
                public int layer() {
                    return h.layer();
                }

                @Override
                public int attendedAtSelection() {
                    return h.attendedAtSelection();
                }

                @Override
                public KvCache.CompactType compactType() {
                    return h.compactType();
                }
            };
        }
    }

    static CompressedVideo video(VideoQa qa, BatchedDecodeTest.Case c, CompressionMethod method) {
        EncodedVideo v = qa.visionStage().encode(FollowUpTest.clip(c.frames(), c.clip()), 0, new VisionOptions(c.frames(), 3, true));
        return qa.compressStage().apply(v, method);
    }

    static int[] alone(VideoQa qa, BatchedDecodeTest.Case c) {
        Sequence s = BatchedDecodeTest.start(qa, video(qa, c, BatchedDecodeTest.method(c)), c);
        while (!s.done()) s.step();
        return s.tokens();
    }

    @Test
    void aHookThatThrowsInOneSequenceOfABatchEndsThatSequenceAloneAndTheOthersGiveTheirSoloTokens() {
        // none, DyCoke on a compact int8 store, and DyCoke that fails
        BatchedDecodeTest.Case a = BatchedDecodeTest.CASES.get(0), b = BatchedDecodeTest.CASES.get(2), f = BatchedDecodeTest.CASES.get(1);
        try (VideoQa qa = VideoQa.load(Oracle.model())) {
            int[] soloA = alone(qa, a), soloB = alone(qa, b);
            assertTrue(soloA.length > 4 && soloB.length > 4, "both outlast the failing step");
            for (Where where : Where.values()) {
                Sequence sa = BatchedDecodeTest.start(qa, video(qa, a, BatchedDecodeTest.method(a)), a);
                Sequence sf = BatchedDecodeTest.start(qa, video(qa, f, new Failing(BatchedDecodeTest.method(f), 3, where)), f);
                Sequence sb = BatchedDecodeTest.start(qa, video(qa, b, BatchedDecodeTest.method(b)), b);
                List<Sequence> batch = List.of(sa, sf, sb);
                List<Integer> sizes = new ArrayList<>();
                while (!batch.stream().allMatch(Sequence::done)) {
                    sizes.add((int) batch.stream().filter(s -> !s.done()).count());
                    qa.answerStage().step(batch);
                }
                assertEquals(List.of(3, 3, 3), sizes.subList(0, 3), where + ": the failing step ran the three together");
                assertEquals(2, sizes.get(3), where + ": the failed sequence takes no further step");
                assertArrayEquals(soloA, sa.tokens(), where + ": the first sequence's tokens");
                assertArrayEquals(soloB, sb.tokens(), where + ": the third sequence's tokens");
                assertEquals(BOOM, sf.failure().getMessage(), where.toString());
                assertTrue(sf.done(), where.toString());
                assertEquals(3, sf.tokens().length, where + ": it chose its token of the failing step, then stopped");
                IllegalStateException e = assertThrows(IllegalStateException.class, sf::answer, where.toString());
                assertSame(sf.failure(), e.getCause());
                assertEquals(null, sa.failure());
            }
        }
    }

    @Test
    void aSequenceSteppedAloneThrowsWhatItsHookThrows() {
        BatchedDecodeTest.Case f = BatchedDecodeTest.CASES.get(1);
        try (VideoQa qa = VideoQa.load(Oracle.model())) {
            Sequence s = BatchedDecodeTest.start(qa, video(qa, f, new Failing(BatchedDecodeTest.method(f), 2, Where.SELECT)), f);
            s.step();
            IllegalStateException e = assertThrows(IllegalStateException.class, s::step);
            assertEquals(BOOM, e.getMessage());
            assertTrue(s.done());
        }
    }
}
