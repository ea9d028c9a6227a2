package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.video.VideoReader;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.RecordingTrace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** run, trace and tokenize on the oracle: the golden greedy tokens, and trace's every tensor against the golden ones or the library's own trace. */
class CliOracleTest {
    static final Path ORACLE = Oracle.root();
    static final Path MODEL = ORACLE.resolve("tiny-llava-ov");
    static final Path CLIP = ORACLE.resolve("golden/clip.mkv");

    @TempDir
    Path tmp;

    static int[] golden(String name) {
        try (Safetensors g = Safetensors.open(ORACLE.resolve("golden/forward.safetensors"))) {
            return g.get(name).toIntArray();
        }
    }

    @Test
    void runReproducesTheGoldenChatTokens() throws Exception {
        Cli r = Cli.run("run", "--model", MODEL.toString(), "--video", CLIP.toString(), "--prompt", "What happens in this video?",
                "--frames", "8", "--max-new-tokens", "12", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        int[] ids = new int[j.get("token_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = j.get("token_ids").get(i).asInt();
        assertArrayEquals(golden("chat_generated_ids"), ids);
        JsonNode st = j.get("stats");
        assertEquals(8, st.get("frames").asInt());
        assertEquals(128, st.get("visual_tokens_pooled").asInt());
        assertEquals(150, st.get("prompt_tokens").asInt());
        assertEquals(12, st.get("generated_tokens").asInt());
        assertEquals(2L * 3 * (150 + 11) * 32 * 4, st.get("kv_bytes").asLong());
        for (String k : new String[]{"decode_video", "preprocess", "vision", "prefill", "generate"})
            assertTrue(st.get("seconds").get(k).asDouble() >= 0, k);
    }

    @Test
    void runStreamsTextAndPrintsAStatsLine() {
        Cli r = Cli.run("run", "--model", MODEL.toString(), "--video", CLIP.toString(), "--prompt", "What happens in this video?",
                "--frames", "8", "--max-new-tokens", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("none | frames 8 | visual tokens 128 -> 128 (attended 128.0) | prompt 150 tok"), r.err());
        assertTrue(r.err().contains("KV cache"), r.err());
    }

    /**
     * max|actual − expected| ≤ tol · max|expected|, as core's oracle tests compare a stage with the golden tensor: relative
     * to the tensor's scale, so that values near zero do not demand more than float32 gives.
     */
    static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + " length");
        float scale = 0, err = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            err = Math.max(err, Math.abs(actual[i] - expected[i]));
        }
        assertTrue(err <= tol * scale, what + ": max abs error " + err + " exceeds " + tol + " x scale " + scale);
    }

    /** Each stage the trace wrote for the golden clip's 8 frames equals the golden tensor: pixels exactly, the tower, projector and pooling within core's tolerance. */
    static void visionStagesMatchTheGolden(Safetensors t, Safetensors g) {
        assertArrayEquals(new long[]{1, 8, 3, 56, 56}, t.get("pixel_values").shape());
        assertArrayEquals(g.get("pixel_values_videos").toFloatArray(), t.get("pixel_values").toFloatArray(), "pixel_values");
        assertArrayEquals(new long[]{8, 49, 48}, t.get("vision_hidden").shape());
        assertClose("vision_hidden", g.get("vision_hidden").toFloatArray(), t.get("vision_hidden").toFloatArray(), 1e-5);
        assertArrayEquals(new long[]{8, 49, 64}, t.get("projected").shape());
        assertClose("projected", g.get("projected").toFloatArray(), t.get("projected").toFloatArray(), 1e-5);
        assertArrayEquals(new long[]{128, 64}, t.get("pooled").shape());
        assertClose("pooled", g.get("pooled").toFloatArray(), t.get("pooled").toFloatArray(), 1e-5);
    }

    @Test
    void traceFromPixelsAndIdsMatchesTheGoldenTensors() {
        Path px = tmp.resolve("px.safetensors"), out = tmp.resolve("trace.safetensors");
        int[] in;
        try (Safetensors g = Safetensors.open(ORACLE.resolve("golden/forward.safetensors"))) {
            new SafetensorsWriter().add("pixel_values_videos", DType.F32, g.get("pixel_values_videos").toFloatArray(), 1, 8, 3, 56, 56).write(px);
            in = g.get("input_ids").toIntArray();
        }
        String ids = Arrays.stream(in).mapToObj(Integer::toString).collect(Collectors.joining(","));
        Cli r = Cli.run("trace", "--model", MODEL.toString(), "--pixel-values", px.toString(), "--input-ids", ids,
                "--max-new-tokens", "12", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (Safetensors t = Safetensors.open(out); Safetensors g = Safetensors.open(ORACLE.resolve("golden/forward.safetensors"))) {
            assertEquals(Set.of("pixel_values", "vision_hidden", "projected", "pooled", "inputs_embeds", "logits", "input_ids", "generated_ids"),
                    t.tensors().keySet());
            visionStagesMatchTheGolden(t, g);
            assertArrayEquals(in, t.get("input_ids").toIntArray());
            assertArrayEquals(g.get("generated_ids").toIntArray(), t.get("generated_ids").toIntArray());
            assertArrayEquals(new long[]{147, 64}, t.get("inputs_embeds").shape());
            assertClose("inputs_embeds", g.get("inputs_embeds").toFloatArray(), t.get("inputs_embeds").toFloatArray(), 1e-5);
            assertArrayEquals(new long[]{147 + 11, 512}, t.get("logits").shape());
            float[] logits = t.get("logits").toFloatArray(), want = g.get("logits").toFloatArray();
            float err = 0;
            for (int i = 0; i < want.length; i++) err = Math.max(err, Math.abs(logits[i] - want[i]));
            assertTrue(err <= 1e-4, "prefill logits error " + err);
            float[] steps = g.get("step_logits").toFloatArray();
            for (int i = 0; i < steps.length; i++) err = Math.max(err, Math.abs(logits[want.length + i] - steps[i]));
            assertTrue(err <= 1e-4, "step logits error " + err);
        }
    }

    /**
     * From the video and a question: the stages the oracle has (pixels, tower, projector, pooling, the chat prompt's ids
     * and tokens) match it; every tensor, those the oracle lacks for this prompt included (inputs_embeds, logits), is
     * exactly what the library's own trace of the same frames and question holds.
     */
    @Test
    void traceFromTheVideoAndPromptMatchesTheGoldenAndTheLibrary() {
        Path out = tmp.resolve("trace.safetensors");
        String question = "What happens in this video?";
        Cli r = Cli.run("trace", "--model", MODEL.toString(), "--video", CLIP.toString(), "--prompt", question,
                "--frames", "8", "--max-new-tokens", "12", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        RecordingTrace trace = new RecordingTrace();
        try (VideoQa qa = VideoQa.load(MODEL)) {
            qa.answer(VideoReader.readUniform(CLIP, 8).frames(), 0, VisionOptions.of(8), question, null, GenerationOptions.greedy(12),
                    CompressionMethods.none(), null, trace);
        }
        Map<String, float[]> floats = trace.floats();
        Map<String, int[]> ids = trace.ids();
        try (Safetensors t = Safetensors.open(out); Safetensors g = Safetensors.open(ORACLE.resolve("golden/forward.safetensors"))) {
            assertArrayEquals(golden("chat_generated_ids"), t.get("generated_ids").toIntArray());
            assertArrayEquals(golden("chat_input_ids"), t.get("input_ids").toIntArray());
            visionStagesMatchTheGolden(t, g);
            Set<String> names = new HashSet<>(floats.keySet());
            names.addAll(ids.keySet());
            assertEquals(names, t.tensors().keySet());
            for (var e : floats.entrySet()) assertArrayEquals(e.getValue(), t.get(e.getKey()).toFloatArray(), e.getKey());
            for (var e : ids.entrySet()) assertArrayEquals(e.getValue(), t.get(e.getKey()).toIntArray(), e.getKey());
            assertArrayEquals(new long[]{150 + 11, 512}, t.get("logits").shape());
        }
    }

    @Test
    void tokenizeTextAndFile() throws Exception {
        Cli r = Cli.run("tokenize", "--model", MODEL.toString(), "--text", "<|im_start|>user\n");
        assertEquals(0, r.code(), r.err());
        int[] chat = golden("chat_input_ids");
        assertEquals("[" + chat[0] + "," + chat[1] + "," + chat[2] + "]", r.out().strip());
        Path f = tmp.resolve("lines.jsonl");
        java.nio.file.Files.writeString(f, "\"<|im_end|>\"\n\"\\n\"\n");
        r = Cli.run("tokenize", "--model", MODEL.toString(), "--file", f.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("[503]\n[10]", r.out().strip());
    }

    @Test
    void aVideoShorterThanTheFrameCountUsesEachFrameOnceAndSaysSoOnce() {
        var run = SystemErr.capture(() -> Cli.run("run", "--model", MODEL.toString(), "--video", CLIP.toString(), "--prompt", "What happens in this video?",
                "--frames", "12", "--max-new-tokens", "12", "--json"));
        Cli r = run.value();
        assertEquals(0, r.code(), r.err());
        String notice = "dycoke: " + CLIP + " has only 8 frames; using each once instead of 12";
        assertEquals(List.of(notice), r.err().lines().filter(l -> l.contains(" has only ")).toList(), r.err());
        assertFalse(run.printed().contains(" has only "), "said again on System.err: " + run.printed());
        assertTrue(r.out().contains("\"visual_tokens_pooled\" : 128"), r.out());
        assertTrue(r.out().contains("\"token_ids\" : [ " + Arrays.stream(golden("chat_generated_ids")).mapToObj(Integer::toString).collect(Collectors.joining(", ")) + " ]"), r.out());
    }
}
