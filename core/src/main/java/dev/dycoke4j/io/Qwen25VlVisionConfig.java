package dev.dycoke4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The vision side of a Qwen2.5-VL checkpoint: {@code config.json}'s {@code vision_config} (the tower) and the video
 * processor's settings ({@code video_preprocessor_config.json} when present, else {@code preprocessor_config.json},
 * as transformers' video processor looks them up).
 *
 * <p>The sizes that shape the tower (depth, widths, heads, window, full-attention blocks, tokens per second) are
 * required; a missing or ill-typed one is one line naming the file and field. The conventional ones (patch 14,
 * temporal patch 2, merge 2, 3 channels, silu) default as transformers' {@code Qwen2_5_VLVisionConfig} does.
 *
 * @param depth               number of vision blocks
 * @param hiddenSize          width of the vision blocks
 * @param numHeads            attention heads (head dim = hiddenSize / numHeads)
 * @param intermediateSize    SwiGLU width
 * @param patchSize           spatial patch side (14)
 * @param temporalPatchSize   frames per temporal patch (2)
 * @param spatialMergeSize    side of the merge unit (2: 2x2 patches make one LLM token)
 * @param windowSize          window side in pixels (112: 4x4 merged tokens)
 * @param fullattBlockIndexes blocks that attend over a whole temporal patch instead of windows
 * @param outHiddenSize       width of the merger's output (the LLM's hidden size)
 * @param tokensPerSecond     temporal positions per second of video, for M-RoPE
 * @param inChans             input channels (3)
 * @param hiddenAct           the MLP activation (silu)
 * @param video               the preprocessing settings
 */
public record Qwen25VlVisionConfig(int depth, int hiddenSize, int numHeads, int intermediateSize, int patchSize,
                                   int temporalPatchSize, int spatialMergeSize, int windowSize,
                                   List<Integer> fullattBlockIndexes, int outHiddenSize, int tokensPerSecond,
                                   int inChans, String hiddenAct, Video video) {

    /**
     * The video processor's settings.
     *
     * @param minPixels     smallest frame area after {@code smart_resize}
     * @param maxPixels     largest frame area after {@code smart_resize}
     * @param mean          per-channel mean (3 values)
     * @param std           per-channel std (3 values)
     * @param rescaleFactor 1/255
     * @param doRescale     whether to rescale
     * @param doNormalize   whether to normalize
     * @param resample      PIL filter (3, bicubic, the only one supported)
     * @param patchSize     spatial patch (must equal the tower's)
     * @param temporalPatchSize frames per temporal patch (must equal the tower's)
     * @param mergeSize     merge unit side (must equal the tower's)
     */
    public record Video(long minPixels, long maxPixels, double[] mean, double[] std, double rescaleFactor,
                        boolean doRescale, boolean doNormalize, int resample, int patchSize, int temporalPatchSize,
                        int mergeSize) {
        public Video {
            mean = mean.clone();
            std = std.clone();
        }

        @Override
        public double[] mean() {
            return mean.clone();
        }

        @Override
        public double[] std() {
            return std.clone();
        }

        /** The resize factor: patch side times merge side (28). */
        public int factor() {
            return patchSize * mergeSize;
        }
    }

    public Qwen25VlVisionConfig {
        fullattBlockIndexes = List.copyOf(fullattBlockIndexes);
    }

    /** Transformers' {@code Qwen2VLVideoProcessor} defaults, used for fields its config file leaves out. */
    public static final long DEFAULT_MIN_PIXELS = 128 * 28 * 28, DEFAULT_MAX_PIXELS = 768 * 28 * 28;
    static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Values of one flattened patch: channels x temporal patch x patch x patch (1176). */
    public int patchDim() {
        return inChans * temporalPatchSize * patchSize * patchSize;
    }

    /** Patches per merge unit (4). */
    public int mergeUnit() {
        return spatialMergeSize * spatialMergeSize;
    }

    /** Window side in merged tokens: {@code window_size / spatial_merge_size / patch_size} (4). */
    public int mergedWindow() {
        return windowSize / spatialMergeSize / patchSize;
    }

    public boolean isFullAttention(int block) {
        return fullattBlockIndexes.contains(block);
    }

    /** Reads {@code dir/config.json} and the video processor's config beside it. */
    public static Qwen25VlVisionConfig load(Path dir) {
        Path config = dir.resolve("config.json");
        JsonNode root = readJson(config, true);
        JsonNode vc = root.get("vision_config");
        if (vc == null || !vc.isObject()) throw new ModelFormatException(config + ": missing required field vision_config");
        Path pp = dir.resolve("video_preprocessor_config.json");
        if (!Files.exists(pp)) pp = dir.resolve("preprocessor_config.json");
        JsonNode ppRoot = readJson(pp, false);
        return parse(config, vc, pp, ppRoot);
    }

    /** Parses a {@code vision_config} object and a preprocessor config object (null: the file is absent). */
    static Qwen25VlVisionConfig parse(Path configFile, JsonNode vc, Path ppFile, JsonNode pp) {
        Fields f = new Fields(configFile, vc, "vision_config.");
        int depth = f.positive("depth");
        int hidden = f.positive("hidden_size");
        int heads = f.positive("num_heads");
        int inter = f.positive("intermediate_size");
        int out = f.positive("out_hidden_size");
        int window = f.positive("window_size");
        int tps = f.positive("tokens_per_second");
        int patch = f.positiveOr("patch_size", 14);
        int temporal = f.positiveOr("temporal_patch_size", 2);
        int merge = f.positiveOr("spatial_merge_size", 2);
        int chans = vc.has("in_chans") ? f.positive("in_chans") : f.positiveOr("in_channels", 3);
        String act = f.string("hidden_act", "silu");
        if (!act.equals("silu")) f.fail("hidden_act", "is '" + act + "'; only silu is supported");
        if (hidden % heads != 0 || (hidden / heads) % 4 != 0)
            f.fail("num_heads", "is " + heads + ": hidden_size " + hidden + " must split into heads of a multiple of 4 (2D rotary)");
        if (window % (merge * patch) != 0)
            f.fail("window_size", "is " + window + ", not a multiple of spatial_merge_size x patch_size = " + merge * patch);
        List<Integer> full = f.indexList("fullatt_block_indexes", depth);

        Video video;
        if (pp == null) {
            video = new Video(DEFAULT_MIN_PIXELS, DEFAULT_MAX_PIXELS, CLIP_MEAN, CLIP_STD, 1.0 / 255, true, true, 3,
                    patch, temporal, merge);
        } else {
            Fields p = new Fields(ppFile, pp, "");
            JsonNode size = pp.get("size");
            Fields s = new Fields(ppFile, size == null || !size.isObject() ? JsonNodeFactory.instance.objectNode() : size, "size.");
            if (size != null && !size.isNull() && !size.isObject()) p.fail("size", "must be an object, got " + size);
            long min = pp.has("min_pixels") && !pp.get("min_pixels").isNull() ? p.longPositive("min_pixels")
                    : s.has("shortest_edge") ? s.longPositive("shortest_edge") : DEFAULT_MIN_PIXELS;
            long max = pp.has("max_pixels") && !pp.get("max_pixels").isNull() ? p.longPositive("max_pixels")
                    : s.has("longest_edge") ? s.longPositive("longest_edge") : DEFAULT_MAX_PIXELS;
            if (min > max) p.fail("min_pixels", "is " + min + ", above max_pixels " + max);
            int resample = p.positiveOr("resample", 3);
            if (resample != 3) p.fail("resample", "is " + resample + "; only 3 (bicubic) is supported");
            double rescale = p.real("rescale_factor", 1.0 / 255);
            if (!(rescale > 0) || Double.isInfinite(rescale)) p.fail("rescale_factor", "must be a positive number, got " + rescale);
            double[] std = p.triple("image_std", CLIP_STD);
            for (double v : std) if (!(v > 0) || Double.isInfinite(v)) p.fail("image_std", "must be 3 positive numbers");
            video = new Video(min, max, p.triple("image_mean", CLIP_MEAN), std, rescale,
                    p.bool("do_rescale", true), p.bool("do_normalize", true), resample,
                    p.same("patch_size", patch, "vision_config.patch_size"),
                    p.same("temporal_patch_size", temporal, "vision_config.temporal_patch_size"),
                    p.same("merge_size", merge, "vision_config.spatial_merge_size"));
        }
        return new Qwen25VlVisionConfig(depth, hidden, heads, inter, patch, temporal, merge, window, full, out, tps,
                chans, act, video);
    }

    private static JsonNode readJson(Path file, boolean required) {
        try {
            JsonNode root = new ObjectMapper().readTree(Files.readString(file));
            if (root == null || !root.isObject()) throw new ModelFormatException(file + ": not a JSON object");
            return root;
        } catch (NoSuchFileException e) {
            if (required) throw new ModelFormatException(file + ": file not found");
            return null;
        } catch (IOException e) {
            throw new ModelFormatException(file + ": not valid JSON (" + Safetensors.firstLine(e.getMessage()) + ")");
        }
    }

    /** Typed reads of one JSON object, each error one line naming the file and the field. */
    private record Fields(Path file, JsonNode node, String prefix) {
        void fail(String key, String problem) {
            throw new ModelFormatException(file + ": field " + prefix + key + " " + problem);
        }

        boolean has(String key) {
            JsonNode v = node.get(key);
            return v != null && !v.isNull();
        }

        long longPositive(String key) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) throw new ModelFormatException(file + ": missing required field " + prefix + key);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() <= 0) fail(key, "must be a positive integer, got " + v);
            return v.asLong();
        }

        int positive(String key) {
            long v = longPositive(key);
            if (v > Integer.MAX_VALUE) fail(key, "is too large: " + v);
            return (int) v;
        }

        int positiveOr(String key, int dflt) {
            return has(key) ? positive(key) : dflt;
        }

        /** An optional field that, when present, must equal the tower's value. */
        int same(String key, int expected, String other) {
            if (!has(key)) return expected;
            int v = positive(key);
            if (v != expected) fail(key, "is " + v + " but config.json's " + other + " is " + expected);
            return v;
        }

        double real(String key, double dflt) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) return dflt;
            if (!v.isNumber()) fail(key, "must be a number, got " + v);
            return v.asDouble();
        }

        boolean bool(String key, boolean dflt) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) return dflt;
            if (!v.isBoolean()) fail(key, "must be true or false, got " + v);
            return v.asBoolean();
        }

        String string(String key, String dflt) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) return dflt;
            if (!v.isTextual()) fail(key, "must be a string, got " + v);
            return v.asText();
        }

        double[] triple(String key, double[] dflt) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) return dflt.clone();
            if (v.isNumber()) return new double[]{v.asDouble(), v.asDouble(), v.asDouble()};
            if (!v.isArray() || v.size() != 3) fail(key, "must be 3 numbers, got " + v);
            double[] out = new double[3];
            for (int i = 0; i < 3; i++) {
                if (!v.get(i).isNumber()) fail(key, "must be 3 numbers, got " + v);
                out[i] = v.get(i).asDouble();
            }
            return out;
        }

        /** A required list of distinct block indexes in 0..depth-1. */
        List<Integer> indexList(String key, int depth) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) throw new ModelFormatException(file + ": missing required field " + prefix + key);
            if (!v.isArray()) fail(key, "must be a list of block indexes, got " + v);
            List<Integer> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isIntegralNumber() || !e.canConvertToInt() || e.asInt() < 0 || e.asInt() >= depth)
                    fail(key, "must hold block indexes in 0.." + (depth - 1) + ", got " + v);
                if (out.contains(e.asInt())) fail(key, "repeats block " + e.asInt());
                out.add(e.asInt());
            }
            return out;
        }
    }
}
