package dev.dycoke4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.Evs;
import dev.dycoke4j.compress.FlashVid;
import dev.dycoke4j.compress.TorchUniform;
import dev.dycoke4j.compress.VidCom2;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dycoke compress replay}: runs the cases a golden file describes (its {@code __metadata__} {@code cases}: each
 * case's method, input and hyperparameters, as the official code ran them) with that file's inputs, and writes what
 * this engine computes under the same key names, so that the two files compare key by key. Cases of methods not
 * implemented here are listed as skipped; a case the official code could not run (it has an {@code error}) is not run.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Run the cases of a golden file (its __metadata__ 'cases', on its inputs) and write the results under the same keys.")
final class CompressReplayCommand implements Callable<Integer> {
    /** The methods whose cases this engine replays, by the prefix of the case names. */
    private static final List<String> REPLAYED = List.of("vidcom2", "evs", "holitom", "flashvid", "fastvid");

    @Spec
    CommandSpec spec;

    @Option(names = "--golden", paramLabel = "FILE", required = true, description = "A golden safetensors file with 'cases' in its __metadata__.")
    Path golden;

    @Option(names = "--out", paramLabel = "OUT.safetensors", required = true, description = "Where to write the results.")
    Path out;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        common.apply();
        if (!Files.isRegularFile(golden)) throw new UsageException("--golden " + golden + ": file not found");
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        SafetensorsWriter w = new SafetensorsWriter();
        ObjectNode replayedCases = new ObjectMapper().createObjectNode();
        List<String> skipped = new ArrayList<>(), notRun = new ArrayList<>();
        try (Safetensors g = Safetensors.open(golden)) {
            JsonNode cases = cases(g);
            for (Map.Entry<String, JsonNode> e : cases.properties()) {
                String name = e.getKey(), method = name.substring(0, Math.max(0, name.indexOf('_')));
                JsonNode c = e.getValue();
                if (c.has("error")) notRun.add(name);
                else if (!REPLAYED.contains(method)) skipped.add(name);
                else {
                    int n = method.equals("fastvid") ? FastVidReplay.replay(name, c, input(g, name, c, false), g, w)
                            : replay(name, method, c, g, input(g, name, c, method.equals("flashvid")), w);
                    replayedCases.set(name, c);
                    stdout.println(name + ": " + n + " tokens");
                }
            }
        }
        w.metadata("generator", "dycoke compress replay").metadata("golden", golden.getFileName().toString()).metadata("cases", replayedCases.toString());
        w.write(out);
        stdout.println("replayed " + replayedCases.size() + " cases into " + out);
        stdout.flush();
        if (!skipped.isEmpty())
            err.println("dycoke compress replay: skipped " + skipped.size() + " cases of methods not implemented here: " + String.join(", ", skipped));
        if (!notRun.isEmpty())
            err.println("dycoke compress replay: not run: " + notRun.size() + " cases the official code could not run: " + String.join(", ", notRun));
        err.flush();
        return 0;
    }

    /** Runs case {@code name} of {@code method} and adds its tensors to {@code w}; returns the tokens it keeps. */
    private static int replay(String name, String method, JsonNode c, Safetensors g, VisualTokens in, SafetensorsWriter w) {
        int[] kept;
        switch (method) {
            case "vidcom2" -> {
                if (c.has("frame_token_len") && c.get("frame_token_len").asInt() != in.tokensPerFrame())
                    throw new IllegalArgumentException(name + ": frame_token_len " + c.get("frame_token_len").asInt() + " but the input has "
                            + in.tokensPerFrame() + " tokens per frame");
                VidCom2.Selection s = new VidCom2(number(name, c, "base_scale")).select(in);
                kept = s.kept();
                w.addLongs(name + "_frame_k", longs(s.frameKeep()), s.frameKeep().length);
            }
            case "evs" -> {
                JsonNode thw = c.get("video_size_thw");
                int merge = c.has("spatial_merge_size") ? c.get("spatial_merge_size").asInt() : 1;
                if (thw != null && (thw.get(0).asInt() != in.frames() || thw.get(1).asInt() / merge * (thw.get(2).asInt() / merge) != in.tokensPerFrame()))
                    throw new IllegalArgumentException(name + ": video_size_thw " + thw + " does not match the input's " + in.frames() + " frames of "
                            + in.tokensPerFrame() + " tokens");
                kept = new Evs(number(name, c, "q")).kept(in);
            }
            case "holitom" -> {
                return HoliTomCase.replay(name, c, g, in, w);
            }
            case "flashvid" -> {
                return flashvid(name, c, in, w);
            }
            default -> throw new IllegalStateException(method);
        }
        VisualTokens o = in.select(kept);
        w.addLongs(name + "_kept_idx", longs(kept), kept.length);
        output(w, name, o);
        return kept.length;
    }

    private static void output(SafetensorsWriter w, String name, VisualTokens o) {
        w.add(name + "_output", DType.F32, java.util.Arrays.copyOf(o.features(), o.count() * o.dim()), o.count(), o.dim());
    }

    /** FlashVID's vision side, with the noise torch draws after {@code manual_seed(0)}, which it also writes. */
    private static int flashvid(String name, JsonNode c, VisualTokens in, SafetensorsWriter w) {
        String selection = c.path("token_selection_method").asText("attn_div_v2");
        if (!selection.equals("attn_div_v2"))
            throw new IllegalArgumentException(name + ": token_selection_method " + selection + " is not implemented here (attn_div_v2 is)");
        FlashVid.Config config = new FlashVid.Config(number(name, c, "retention_ratio"), number(name, c, "expansion"), number(name, c, "alpha"),
                number(name, c, "temporal_threshold"), c.path("do_segment").asBoolean(true), number(name, c, "segment_threshold"),
                (int) number(name, c, "min_segment_num"), c.path("complementary_segment").asBoolean(true));
        FlashVid.Result r = new FlashVid(config).run(in, new TorchUniform(0)::next);
        List<float[]> draws = r.noise();
        VisualTokens o = r.tokens();
        w.addLongs(name + "_src_idx", longs(o.sourceIndex()), o.count());
        w.addLongs(name + "_kind", longs(r.kind()), o.count());
        w.addLongs(name + "_segments", longs(r.segments()), r.segments().length);
        long[] shapes = new long[2 * draws.size()];
        int total = 0;
        for (int i = 0; i < draws.size(); i++) {
            shapes[2 * i] = 1;
            shapes[2 * i + 1] = draws.get(i).length;
            total += draws.get(i).length;
        }
        float[] noise = new float[total];
        int at = 0;
        for (float[] d : draws) {
            System.arraycopy(d, 0, noise, at, d.length);
            at += d.length;
        }
        w.add(name + "_dpc_noise", DType.F32, noise, total);
        // no clustering: an empty [0, 1], as the golden generator stores an empty list of shapes
        w.addLongs(name + "_dpc_noise_shapes", shapes, draws.size(), draws.isEmpty() ? 1 : 2);
        output(w, name, o);
        return o.count();
    }

    private static JsonNode cases(Safetensors g) {
        String text = g.metadata().get("cases");
        if (text == null) throw new UsageException("--golden " + g.file() + ": no 'cases' in its __metadata__");
        try {
            JsonNode cases = new ObjectMapper().readTree(text);
            if (!cases.isObject()) throw new UsageException("--golden " + g.file() + ": its 'cases' metadata is not a JSON object");
            return cases;
        } catch (JsonProcessingException e) {
            throw new UsageException("--golden " + g.file() + ": its 'cases' metadata is not JSON (" + e.getOriginalMessage() + ")");
        }
    }

    /** The case's input, {@code input_NAME} [frames, tokens per frame, dim], with {@code attn_NAME} [frames, tokens] when {@code attention}. */
    private static VisualTokens input(Safetensors g, String name, JsonNode c, boolean attention) {
        if (!c.has("input")) throw new IllegalArgumentException(name + ": the case names no input");
        String key = "input_" + c.get("input").asText();
        if (!g.tensors().containsKey(key)) throw new IllegalArgumentException(name + ": its input " + key + " is not in " + g.file());
        Tensor t = g.get(key);
        if (t.rank() != 3 || t.dtype() != DType.F32)
            throw new IllegalArgumentException(key + " must be F32 [frames, tokens per frame, dim], got " + t.dtype() + " " + java.util.Arrays.toString(t.shape()));
        float[] attn = null;
        if (attention) {
            String a = "attn_" + c.get("input").asText();
            if (!g.tensors().containsKey(a)) throw new IllegalArgumentException(name + ": its attention " + a + " is not in " + g.file());
            attn = g.get(a).toFloatArray();
            if (attn.length != t.dim(0) * t.dim(1)) throw new IllegalArgumentException(a + " must be [frames, tokens per frame] of " + key);
        }
        return VisualTokens.pooled(t.toFloatArray(), t.dim(0), t.dim(1), t.dim(2), attn);
    }

    static double number(String name, JsonNode c, String key) {
        JsonNode v = c.get(key);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException(name + ": " + key + " must be a number, got " + v);
        return v.asDouble();
    }

    private static long[] longs(int[] v) {
        long[] r = new long[v.length];
        for (int i = 0; i < v.length; i++) r[i] = v[i];
        return r;
    }
}
