package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.Budget;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.Ttm;
import dev.dycoke4j.compress.VidCom2;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.MropeIndex;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pre-LLM methods on Qwen2.5-VL, end to end on the tiny oracle model's 8 frames (4 temporal steps of 6 x 8 merged
 * tokens, not square): each keeps as many tokens as its budget says, counted over temporal steps, every kept token
 * sits at the position it had in the unpruned prompt, the text after the video continues at base + grid columns (as
 * vLLM places EVS), and the answer comes from those rows.
 */
class Qwen25VlMethodsTest {
    private static final String QUESTION = "What happens in this video?";
    private static VideoQa model;
    private static Qwen25Vl qwen;
    private static List<RgbFrame> frames;

    @BeforeAll
    static void load() {
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            frames = Qwen25VlAnswerTest.frames(g.get("video_frames_u8"));
        }
        model = VideoQa.load(QwenVlOracle.model());
        qwen = (Qwen25Vl) model.videoModel();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static CompressionMethod method(String name, Map<String, String> options) {
        CompressionMethod m = CompressionMethods.parse(name, options);
        Qwen25Vl.checkSupported(m);
        return m;
    }

    /**
     * Runs {@code m}, checks that the kept tokens are distinct, keep their unpruned positions and that the text after
     * them follows the EVS rule, that the answer prefilled those rows, and returns what was kept.
     */
    private static QwenStages.Placed runAndCheckPositions(CompressionMethod m) {
        QwenStages.Placed p = QwenStages.prepare(model, frames, QUESTION, m);
        MropeIndex.VideoGrid g = p.grid();
        assertEquals(4, g.t());
        assertEquals(48, g.h() * g.w());
        assertEquals(g.t(), p.all().frames(), "one of the methods' frames is one temporal grid step");
        assertEquals(g.h() * g.w(), p.all().tokensPerFrame());
        int[] src = p.kept().sourceIndex();
        assertEquals(src.length, Arrays.stream(src).distinct().count(), "kept tokens are distinct");

        int[] unprunedIds = ChatTemplate.qwen25VlVideoPromptIds(model.tokenizer(), QUESTION, g.tokens());
        Positions unpruned = MropeIndex.of(qwen.config()).positions(unprunedIds, List.of(g)).positions();
        int videoId = qwen.config().videoTokenId();
        int[] ids = p.prompt();
        int v0 = 0;
        while (ids[v0] != videoId) v0++;
        assertEquals(ids.length, v0 + src.length + (unprunedIds.length - v0 - g.tokens()));
        Positions at = p.positions();
        for (int i = 0; i < v0; i++) assertTriple(unpruned, i, at, i);
        for (int k = 0; k < src.length; k++) {
            assertEquals(videoId, ids[v0 + k]);
            assertTriple(unpruned, v0 + src[k], at, v0 + k);
        }
        int base = unpruned.t(v0 - 1) + 1;
        for (int j = 0; v0 + src.length + j < ids.length; j++) {
            int row = v0 + src.length + j;
            assertEquals(base + g.w() + j, at.t(row));
            assertEquals(at.t(row), at.h(row));
            assertEquals(at.t(row), at.w(row));
        }

        Answer a = QwenStages.answer(model, frames, QUESTION, GenerationOptions.greedy(6), m, null);
        assertTrue(a.tokenIds().length > 0);
        assertEquals(g.tokens(), a.stats().visualTokens());
        assertEquals(src.length, a.stats().visualKept());
        assertEquals(ids.length, a.stats().promptTokens());
        return p;
    }

    private static void assertTriple(Positions want, int wantRow, Positions got, int gotRow) {
        assertArrayEquals(new int[] {want.t(wantRow), want.h(wantRow), want.w(wantRow)},
                new int[] {got.t(gotRow), got.h(gotRow), got.w(gotRow)}, "row " + gotRow + " (unpruned row " + wantRow + ")");
    }

    @Test
    void randomKeepsItsBudgetAtUnprunedPositions() {
        var p = runAndCheckPositions(method("random", Map.of("ratio", "0.3")));
        assertEquals(Budget.keep(0.3, 192), p.kept().count());
    }

    @Test
    void uniformKeepsItsBudgetAtUnprunedPositions() {
        var p = runAndCheckPositions(method("uniform", Map.of("ratio", "0.5")));
        assertEquals(96, p.kept().count());
    }

    /** At DyCoke's budget by default, counted over temporal steps as TTM counts them. */
    @Test
    void uniformAtTtmsBudgetCountsTemporalSteps() {
        var p = runAndCheckPositions(method("uniform", Map.of()));
        assertEquals(new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).keptCount(4, 48), p.kept().count());
    }

    /** Whole temporal steps: at half, steps 0 and 2, each step's 48 tokens at their own temporal position. */
    @Test
    void framesKeepsWholeTemporalSteps() {
        var p = runAndCheckPositions(method("frames", Map.of("ratio", "0.5")));
        int[] src = p.kept().sourceIndex();
        assertEquals(96, src.length);
        for (int k = 0; k < src.length; k++) assertEquals(k < 48 ? 0 : 2, src[k] / 48);
    }

    /** VidCom2's per-frame budgets are per temporal step: every step keeps at least one token, the total as it selects. */
    @Test
    void vidcom2BudgetsPerTemporalStep() {
        var p = runAndCheckPositions(method("vidcom2", Map.of("ratio", "0.25")));
        VidCom2.Selection s = new VidCom2(0.25).select(p.all());
        assertEquals(4, s.frameKeep().length);
        assertEquals(Arrays.stream(s.frameKeep()).sum(), p.kept().count());
        assertArrayEquals(s.kept(), p.kept().sourceIndex());
        for (int f = 0; f < 4; f++) {
            int step = f;
            assertEquals(s.frameKeep()[f], Arrays.stream(p.kept().sourceIndex()).filter(i -> i / 48 == step).count());
        }
    }

    /**
     * DyCoke's TTM over windows of 4 temporal steps: the first step whole, the others at K, in TTM's own order
     * (ascending similarity, not raster), each token still at its unpruned position.
     */
    @Test
    void dycokesTtmKeepsItsCountInItsOrderAtUnprunedPositions() {
        var p = runAndCheckPositions(method("dycoke", Map.of("dp", "off")));
        assertEquals(new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).keptCount(4, 48), p.kept().count());
        int[] src = p.kept().sourceIndex();
        int[] sorted = src.clone();
        Arrays.sort(sorted);
        assertTrue(!Arrays.equals(src, sorted), "TTM's official order is not raster order, and the positions follow it");
    }

    @Test
    void dycokeAtARatioRunsTtmAtThatBudget() {
        var p = runAndCheckPositions(method("dycoke", Map.of("dp", "off", "ratio", "0.5")));
        assertTrue(p.kept().count() <= 96 && p.kept().count() > 48, "kept " + p.kept().count());
    }

    @Test
    void unsupportedMethodsAreRefusedInOneLineNamingTheSupportedOnes() {
        var vz = assertThrows(IllegalArgumentException.class, () -> Qwen25Vl.checkSupported(CompressionMethods.parse("visionzip", Map.of())));
        assertEquals("compression method 'visionzip' ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give (supported: "
                + Qwen25Vl.SUPPORTED + ")", vz.getMessage());
        var fastvid = assertThrows(IllegalArgumentException.class, () -> Qwen25Vl.checkSupported(CompressionMethods.parse("fastvid", Map.of())));
        assertEquals("compression method 'fastvid' needs each frame's signals from SigLIP's attention-pooling head, which Qwen2.5-VL's tower does not have (supported: "
                + Qwen25Vl.SUPPORTED + ")", fastvid.getMessage());
        var combo = assertThrows(IllegalArgumentException.class, () -> Qwen25Vl.checkSupported(CompressionMethods.parse("prumerge+dp", Map.of())));
        assertEquals("compression method 'prumerge' ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give (supported: "
                + Qwen25Vl.SUPPORTED + ")", combo.getMessage());
    }

    /**
     * FastV prunes inside the LLM, over the whole video at its ordinary positions: keeping every visual row it answers
     * as no compression does, and at half it attends to half of them above its layer and still answers.
     */
    @Test
    void fastvPrunesInsideTheLlmOverTheOrdinaryPositions() {
        Answer none = QwenStages.answer(model, frames, QUESTION, GenerationOptions.greedy(8), CompressionMethods.none(), null);
        CompressionMethod all = method("fastv", Map.of("ratio", "1.0", "fastv_k", "1"));
        QwenStages.Placed p = QwenStages.prepare(model, frames, QUESTION, all);
        QwenStages.Placed unpruned = QwenStages.prepare(model, frames, QUESTION, CompressionMethods.none());
        assertArrayEquals(unpruned.prompt(), p.prompt());
        assertArrayEquals(unpruned.positions().toArrays(), p.positions().toArrays());
        Answer keepAll = QwenStages.answer(model, frames, QUESTION, GenerationOptions.greedy(8), all, null);
        assertArrayEquals(none.tokenIds(), keepAll.tokenIds());
        Answer half = QwenStages.answer(model, frames, QUESTION, GenerationOptions.greedy(8), method("fastv", Map.of("ratio", "0.5", "fastv_k", "1")), null);
        assertTrue(half.tokenIds().length > 0);
        assertEquals(192, half.stats().visualKept());
        assertEquals(96, half.stats().visualAttended());
    }

    /**
     * DyCoke's DP while decoding over the M-RoPE cache: keeping every visual slot (P = 0) it gives exactly TTM alone's
     * greedy tokens, so selecting slots moves no key's position nor the generated tokens'; at the paper's P it attends
     * to fewer visual tokens than the prompt holds and still answers.
     */
    @Test
    void dycokesDpKeepingEverythingGivesTtmAlonesTokens() {
        Answer ttm = QwenStages.answer(model, frames, QUESTION, GenerationOptions.greedy(8), method("dycoke", Map.of("dp", "off")), null);
        Answer keepAll = QwenStages.answer(model, frames, QUESTION, GenerationOptions.greedy(8),
                method("dycoke", Map.of("dp", "on", "dp_l", "1", "dp_p", "0")), null);
        assertEquals(ttm.stats().visualKept(), keepAll.stats().visualKept());
        assertArrayEquals(ttm.tokenIds(), keepAll.tokenIds());
        Answer pruned = QwenStages.answer(model, frames, QUESTION, GenerationOptions.greedy(8),
                method("dycoke", Map.of("dp", "on", "dp_l", "1", "dp_p", "0.7")), null);
        assertTrue(pruned.tokenIds().length > 0);
        assertTrue(pruned.stats().visualAttended() < pruned.stats().visualKept(), pruned.stats().toString());
    }

    /** DP added to a pre-LLM method: the method's tokens at their unpruned positions, DP while decoding. */
    @Test
    void dpRunsAfterVidcom2() {
        Answer alone = QwenStages.answer(model, frames, QUESTION, GenerationOptions.greedy(8), method("vidcom2", Map.of("ratio", "0.5")), null);
        Answer withDp = QwenStages.answer(model, frames, QUESTION, GenerationOptions.greedy(8),
                method("vidcom2+dp", Map.of("ratio", "0.5", "dp_l", "1", "dp_p", "0")), null);
        assertEquals("vidcom2+dp", withDp.stats().method());
        assertEquals(alone.stats().visualKept(), withDp.stats().visualKept());
        assertArrayEquals(alone.tokenIds(), withDp.tokenIds());
    }
}
