package dev.dycoke4j.eval;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Behaviours of the copy's task code beyond the oracle's rows, with the values the original Python functions give. */
class TaskQuirksTest {
    @Test
    void optionsGivenAsOneStringAreIteratedByCharacter() {
        Map<String, Object> doc = Map.of("question", "Q", "options", "N/A", "answer_id", "1", "video_name", "v");
        assertEquals("Q\nA. N\nB. /\nC. A\nAnswer with the option's letter from the given choices directly.",
                Tasks.get("perceptiontest_val_mc").prompt(doc, Map.of("pre_prompt", "", "post_prompt", ""), CacheFiles.NONE));
        Map<String, Object> ego = Map.of("question", "Q", "option", "B. b", "answer", "1", "video_idx", "v");
        assertEquals("Q\nB\n.\n \nb\nAnswer with the option's letter from the given choices directly.",
                Tasks.get("egoschema").prompt(ego, null, CacheFiles.NONE));
        // process_results indexes five options: the fifth character of "B. b" does not exist
        assertEquals("IndexError", assertThrows(PyError.class,
                () -> Tasks.get("egoschema").processResults(ego, "A", ScoringContext.seeded(null))).type());
    }

    @Test
    void theHarnessStripsTheAnswerAsPython() {
        Map<String, Object> doc = Map.of("question", "Q", "candidates", List.of("x", "y"), "answer", "y");
        Map<String, Object> r = Tasks.get("mvbench_action_antonym").processResults(doc, "\u00a0B\u3000", ScoringContext.seeded(null));
        assertEquals(Map.of("pred_answer", "B", "gt_answer", "B", "score", BigInteger.ONE), r.get("mvbench_accuracy"));
    }

    @Test
    void everyTaskHasItsGenerationSettings() {
        assertEquals(16, Tasks.get("videomme").generation().maxNewTokens());
        assertEquals(16, Tasks.get("mvbench_counterfactual_inference").generation().maxNewTokens());
        assertEquals(32, Tasks.get("longvideobench_val_v").generation().maxNewTokens());
        assertEquals(List.of("ASSISTANT:"), Tasks.get("activitynetqa").generation().until());
        assertEquals(1024, Tasks.get("nextqa_mc_test").generation().maxNewTokens());
        assertEquals(30, Tasks.names().size());
    }
}
