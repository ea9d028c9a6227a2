package dev.dycoke4j.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.LoadOptions;
import dev.dycoke4j.pipeline.Qwen25Vl;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.FakeHub;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.dycoke4j.hub.HubFixture.COMMIT;
import static dev.dycoke4j.hub.HubFixture.resolver;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Qwen2.5-VL repos by Hub id, laid out as {@code Qwen/Qwen2.5-VL-3B-Instruct} is: config.json naming
 * {@code Qwen2_5_VLForConditionalGeneration}, the weights in two shards with their index, the tokenizer files, the
 * (video) preprocessor configs and generation_config.json. The tiny oracle checkpoint is served in that layout by the
 * fake hub; the pulled snapshot answers as the oracle does.
 */
@Timeout(120)
class HubQwenTest {
    static final String REPO = "test-org/tiny-qwen25-vl";
    static final String SHARD1 = "model-00001-of-00002.safetensors", SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path tmp;

    /** The oracle's files as the real repos hold them: its weights split in two shards (visual.* in the first). */
    static Map<String, byte[]> repoFiles(Path work) throws IOException {
        Path model = QwenVlOracle.model();
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : List.of("config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json", "chat_template.json"))
            files.put(f, Files.readAllBytes(model.resolve(f)));
        files.put("video_preprocessor_config.json", Files.readAllBytes(model.resolve("preprocessor_config.json")));
        files.put("README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8));
        ObjectMapper m = new ObjectMapper();
        ObjectNode index = m.createObjectNode();
        index.putObject("metadata").put("total_size", Files.size(model.resolve("model.safetensors")));
        ObjectNode map = index.putObject("weight_map");
        try (Safetensors all = Safetensors.open(model.resolve("model.safetensors"))) {
            SafetensorsWriter a = new SafetensorsWriter(), b = new SafetensorsWriter();
            for (Tensor t : all.tensors().values()) {
                boolean first = t.name().startsWith("visual.");
                (first ? a : b).addSegment(t.name(), t.dtype(), t.segment(), t.shape());
                map.put(t.name(), first ? SHARD1 : SHARD2);
            }
            Files.createDirectories(work);
            a.write(work.resolve(SHARD1));
            b.write(work.resolve(SHARD2));
        }
        files.put(SHARD1, Files.readAllBytes(work.resolve(SHARD1)));
        files.put(SHARD2, Files.readAllBytes(work.resolve(SHARD2)));
        files.put(ModelFiles.INDEX, m.writeValueAsBytes(index));
        return files;
    }

    FakeHub hub(Map<String, byte[]> files) throws IOException {
        FakeHub hub = new FakeHub();
        hub.add(REPO, COMMIT, files);
        return hub;
    }

    static List<RgbFrame> oracleFrames() {
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            Tensor t = g.get("video_frames_u8");
            int n = t.dim(0), h = t.dim(1), w = t.dim(2), size = h * w * 3;
            byte[] all = t.toByteArray();
            List<RgbFrame> out = new ArrayList<>();
            for (int f = 0; f < n; f++) out.add(new RgbFrame(w, h, Arrays.copyOfRange(all, f * size, (f + 1) * size)));
            return out;
        }
    }

    @Test
    void aShardedQwenRepoIsPulledWithEveryFileItNeedsAndAnswersAsTheOracle() throws Exception {
        Map<String, byte[]> files = repoFiles(tmp.resolve("work"));
        try (FakeHub hub = hub(files)) {
            Path cache = tmp.resolve("cache");
            Path snap = resolver(hub, cache).resolve(REPO, ModelFiles.Need.MODEL);
            for (String f : List.of("config.json", "generation_config.json", "preprocessor_config.json", "video_preprocessor_config.json",
                    "tokenizer.json", ModelFiles.INDEX, SHARD1, SHARD2))
                assertArrayEquals(files.get(f), Files.readAllBytes(snap.resolve(f)), f);
            assertFalse(Files.exists(snap.resolve("README.md")), "only the files the engine needs");
            assertEquals(1, CachedModel.list(new HubCache(cache)).size(), "listed by dycoke models");
            assertTrue(CachedModel.list(new HubCache(cache)).getFirst().complete());

            int[] golden;
            try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
                golden = g.get("generated_ids").toIntArray();
            }
            // through VideoQa.load, which picks the family from the pulled config.json
            try (VideoQa m = VideoQa.load(snap, LoadOptions.asStored())) {
                assertInstanceOf(Qwen25Vl.class, m.videoModel());
                List<RgbFrame> frames = oracleFrames();
                Answer a = m.answer(frames, 1.0, 0, VisionOptions.of(frames.size()), "What happens in this video?", null, GenerationOptions.greedy(golden.length),
                        CompressionMethods.none(), null, null);
                assertArrayEquals(golden, a.tokenIds(), "the sharded snapshot is the oracle's checkpoint");
            }
            int before = hub.requests.size();
            assertEquals(snap, resolver(hub, cache).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(before, hub.requests.size(), "a complete cached Qwen snapshot is used with no network");
        }
    }

    @Test
    void anInterruptedShardIsResumedAndAllShardsAreChecked() throws Exception {
        Map<String, byte[]> files = repoFiles(tmp.resolve("work"));
        try (FakeHub hub = hub(files)) {
            Path cache = tmp.resolve("cache");
            String sha = FakeHub.sha256(files.get(SHARD2));
            hub.dropAfter.put(sha, 100_000L);
            HubException e = assertThrows(HubException.class, () -> resolver(hub, cache).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.NETWORK, e.kind());
            assertTrue(e.getMessage().startsWith(REPO + ": " + SHARD2 + ": network failure"), e.getMessage());
            Path snap = resolver(hub, cache).resolve(REPO, ModelFiles.Need.MODEL);
            assertTrue(hub.requests.stream().anyMatch(r -> r.path().startsWith("/cdn/") && r.range() != null), "the second pull resumes with a range");
            assertArrayEquals(files.get(SHARD2), Files.readAllBytes(snap.resolve(SHARD2)));

            Path other = tmp.resolve("cache2");
            hub.corrupt.add(SHARD1);
            HubException bad = assertThrows(HubException.class, () -> resolver(hub, other).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.CHECKSUM, bad.kind());
            assertTrue(bad.getMessage().startsWith(REPO + ": " + SHARD1 + ": checksum mismatch"), bad.getMessage());
            assertFalse(Files.exists(other.resolve("models--test-org--tiny-qwen25-vl/snapshots").resolve(COMMIT).resolve(SHARD1)));
        }
    }

    @Test
    void anUnsupportedArchitectureIsOneLineNamingTheSupportedOnesBeforeAnyWeights() throws Exception {
        Map<String, byte[]> files = repoFiles(tmp.resolve("work"));
        files.put("config.json", new String(files.get("config.json"), StandardCharsets.UTF_8)
                .replace("Qwen2_5_VLForConditionalGeneration", "Qwen2VLForConditionalGeneration").getBytes(StandardCharsets.UTF_8));
        try (FakeHub hub = hub(files)) {
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> resolver(hub, tmp.resolve("cache")).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(REPO + ": config.json: unsupported architecture 'Qwen2VLForConditionalGeneration'; dycoke runs "
                    + "LlavaOnevisionForConditionalGeneration and Qwen2_5_VLForConditionalGeneration", e.getMessage());
            assertEquals(0, hub.count("GET", ".safetensors") + hub.count("HEAD", ".safetensors"), "no weights fetched");
        }
    }
}
