package dev.dycoke4j.llm;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.MropeIndex.SecondsPerGrid;
import dev.dycoke4j.llm.MropeIndex.TextAfterVideo;
import dev.dycoke4j.llm.MropeIndex.VideoGrid;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code get_rope_index} against the reference: the main video prompt, the hand-worked cases where versions disagree
 * (each option against its variant, and the defaults against the variant they stand for), and vLLM's EVS placement of
 * a pruned video.
 */
class MropeIndexTest {
    static final int START = 505, VIDEO = 509;
    static final MropeIndex DEFAULT = new MropeIndex(START, VIDEO, 2);

    /** A grid as the processor reports it (before the 2x2 merge), as the LLM's grid. */
    static VideoGrid merged(long[] thw, double spg) {
        return new VideoGrid((int) thw[0], (int) thw[1] / 2, (int) thw[2] / 2, spg);
    }

    static void assertPositions(Safetensors s, String ids, String grid, double spg, String positions, String delta, MropeIndex index) {
        MropeIndex.Result r = index.positions(s.get(ids).toIntArray(), List.of(merged(s.get(grid).toLongArray(), spg)));
        assertArrayEquals(Positions.ofRows(s.get(positions).toLongArray()).toArrays(), r.positions().toArrays(), positions);
        assertEquals(s.get(delta).toIntArray()[0], r.ropeDelta(), delta);
    }

    @Test
    void mainPromptFromItsIdsAndGrid() {
        try (Safetensors g = QwenOracle.golden("forward.safetensors")) {
            double spg = g.get("second_per_grid_ts").toFloatArray()[0];
            MropeIndex fromConfig = MropeIndex.of(dev.dycoke4j.io.Qwen25VlConfig.load(QwenOracle.model()));
            assertPositions(g, "input_ids", "video_grid_thw", spg, "position_ids", "rope_deltas", fromConfig);
            for (TextAfterVideo after : TextAfterVideo.values())
                for (SecondsPerGrid sg : SecondsPerGrid.values()) // built so that every scheme agrees here
                    assertPositions(g, "input_ids", "video_grid_thw", spg, "position_ids", "rope_deltas", DEFAULT.with(after).with(sg));
        }
    }

    @Test
    void handWorkedCasesUnderEachRule() {
        try (Safetensors s = QwenOracle.golden("rope_index.safetensors")) {
            for (TextAfterVideo after : TextAfterVideo.values())
                assertPositions(s, "caseA_input_ids", "caseA_video_grid_thw", 1.0, "caseA_position_ids", "caseA_rope_deltas", DEFAULT.with(after));
            // the default places text after a video at the largest position + 1 (transformers 4.x, vLLM)
            assertPositions(s, "caseB_input_ids", "caseB_video_grid_thw", 1.0, "caseB_position_ids_hf4", "caseB_rope_deltas_hf4", DEFAULT);
            assertPositions(s, "caseB_input_ids", "caseB_video_grid_thw", 1.0, "caseB_position_ids_hf5", "caseB_rope_deltas_hf5",
                    DEFAULT.with(TextAfterVideo.BASE_PLUS_LARGER_SIDE));
            // the default keeps seconds per grid a float
            assertPositions(s, "caseC_input_ids", "caseC_video_grid_thw", 0.5, "caseC_position_ids_float", "caseC_rope_deltas_float", DEFAULT);
            assertPositions(s, "caseC_input_ids", "caseC_video_grid_thw", 0.5, "caseC_position_ids_trunc", "caseC_rope_deltas_trunc",
                    DEFAULT.with(SecondsPerGrid.TRUNCATED));
        }
    }

    /** Kept tokens keep their unpruned positions; the text after starts at base + grid columns; the delta follows. */
    @Test
    void evsPrunedVideoAsVllmPlacesIt() {
        try (Safetensors g = QwenOracle.golden("forward.safetensors"); Safetensors e = QwenOracle.golden("evs.safetensors")) {
            int[] kept = e.get("evs_kept_idx").toIntArray();
            VideoGrid grid = merged(g.get("video_grid_thw").toLongArray(), 1.0);
            for (SecondsPerGrid sg : SecondsPerGrid.values()) { // vLLM truncates here; at spg 1.0 both agree
                MropeIndex.Result r = DEFAULT.with(sg).evs(e.get("evs_input_ids").toIntArray(), List.of(grid), List.of(kept));
                assertArrayEquals(Positions.ofRows(e.get("evs_position_ids").toLongArray()).toArrays(), r.positions().toArrays());
                assertEquals(e.get("evs_rope_deltas").toIntArray()[0], r.ropeDelta());
                int[] decode = e.get("evs_decode_position_ids").toIntArray();
                for (int s = 0; s < decode.length; s++) assertEquals(decode[s], 148 + s + r.ropeDelta(), "decode step " + s);
            }
            long[] media = e.get("evs_media_positions").toLongArray();
            MropeIndex.Result r = DEFAULT.evs(e.get("evs_input_ids").toIntArray(), List.of(grid), List.of(kept));
            for (int k = 0; k < kept.length; k++) {
                assertEquals(34 + media[k * 4], r.positions().t(34 + k), "t of kept token " + k);
                assertEquals(34 + media[k * 4 + 1], r.positions().h(34 + k), "h of kept token " + k);
                assertEquals(34 + media[k * 4 + 2], r.positions().w(34 + k), "w of kept token " + k);
            }
        }
    }

    @Test
    void mismatchedVideosAndGridsAreOneLineEach() {
        int[] ids = {65, START, VIDEO, VIDEO, VIDEO, 506, 66};
        VideoGrid g = new VideoGrid(3, 1, 1, 1.0);
        assertEquals("video 0 has 3 tokens in the ids, but 4 in its 1x2x2 grid",
                assertThrows(IllegalArgumentException.class, () -> DEFAULT.positions(ids, List.of(new VideoGrid(1, 2, 2, 1.0)))).getMessage());
        assertEquals("the ids hold 1 videos but 2 grids were given",
                assertThrows(IllegalArgumentException.class, () -> DEFAULT.positions(ids, List.of(g, g))).getMessage());
        assertEquals("video token at 0 does not follow a vision start token",
                assertThrows(IllegalArgumentException.class, () -> DEFAULT.positions(new int[] {VIDEO}, List.of(new VideoGrid(1, 1, 1, 1)))).getMessage());
        assertEquals("kept token 2 of video 0 is not ascending within its 3 tokens",
                assertThrows(IllegalArgumentException.class, () -> DEFAULT.evs(new int[] {START, VIDEO, VIDEO, 506}, List.of(g), List.of(new int[] {2, 2}))).getMessage());
    }

    /**
     * A method's kept tokens in its own order (TTM's, say) each keep their unpruned position, as EVS's do; the text
     * after them continues at base + the grid's columns. A repeated or out-of-grid index is one line.
     */
    @Test
    void prunedTokensInAnyOrderKeepTheirUnprunedPositions() {
        int[] full = {65, START, VIDEO, VIDEO, VIDEO, VIDEO, VIDEO, VIDEO, 506, 66};
        VideoGrid g = new VideoGrid(3, 1, 2, 1.0);
        Positions unpruned = DEFAULT.positions(full, List.of(g)).positions();
        int[] kept = {4, 1, 3};
        int[] ids = {65, START, VIDEO, VIDEO, VIDEO, 506, 66};
        Positions p = DEFAULT.pruned(ids, List.of(g), List.of(kept)).positions();
        for (int k = 0; k < kept.length; k++) {
            assertEquals(unpruned.t(2 + kept[k]), p.t(2 + k), "t of kept token " + k);
            assertEquals(unpruned.h(2 + kept[k]), p.h(2 + k), "h of kept token " + k);
            assertEquals(unpruned.w(2 + kept[k]), p.w(2 + k), "w of kept token " + k);
        }
        assertEquals(2 + 2, p.t(5));
        assertEquals(2 + 3, p.w(6));
        assertEquals("kept token 4 of video 0 is repeated or outside its 6 tokens",
                assertThrows(IllegalArgumentException.class, () -> DEFAULT.pruned(ids, List.of(g), List.of(new int[] {4, 1, 4}))).getMessage());
        assertEquals("kept token 6 of video 0 is repeated or outside its 6 tokens",
                assertThrows(IllegalArgumentException.class, () -> DEFAULT.pruned(ids, List.of(g), List.of(new int[] {6, 1, 4}))).getMessage());
    }
}
