package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.Stats;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.video.VideoReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

/**
 * {@code dycoke bench}: seconds per stage, medians over repeated runs in one process, at several frame counts. By
 * default on a cached random-weight checkpoint with the real dimensions of llava-onevision-qwen2-0.5b-ov-hf (BF16)
 * and a synthetic 640x360 clip.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time every stage (medians of --repeat runs after a warm-up) at several frame counts.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "A checkpoint directory (default: a cached random-weight model with the real 0.5B dimensions).")
    Path model;

    @Option(names = "--video", paramLabel = "FILE", description = "A video (default: a cached synthetic 10 s 640x360 clip).")
    Path video;

    @Option(names = "--frames", paramLabel = "N,N", split = ",", defaultValue = "8", description = "Frame counts to run (default: ${DEFAULT-VALUE}).")
    int[] frames;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3", description = "Timed runs per setting, after one warm-up (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "32", description = "Tokens generated per run, stop tokens ignored (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where the generated model and clip are kept (default: as for demo).")
    Path cache;

    @Option(names = "--methods", paramLabel = "M,M", split = ",", defaultValue = "none,dycoke",
            description = "Methods to compare, with the method options below (defaults: DyCoke K=0.7, L=3, P=0.7; baselines at DyCoke's budget) (default: ${DEFAULT-VALUE}).")
    String[] methods;

    @Mixin
    CompressOptions compress;

    @Option(names = "--json", description = "Print the medians as JSON.")
    boolean json;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws IOException {
        common.apply();
        var load = weights.options(spec.commandLine().getErr());
        if (repeat < 1) throw new UsageException("--repeat must be at least 1, got " + repeat);
        if (maxNewTokens < 2) throw new UsageException("--max-new-tokens must be at least 2, got " + maxNewTokens);
        for (int f : frames) if (f < 1) throw new UsageException("--frames must be at least 1, got " + f);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Path m = model != null ? model : BenchAssets.model(cache, err);
        Path v = video != null ? video : BenchAssets.clip(cache, err);
        final Path clip = v;
        java.util.List<dev.dycoke4j.compress.CompressionOptions> comps = new ArrayList<>();
        var base = compress.options();
        for (String name : methods) comps.add(base.withMethod(CompressOptions.parse(dev.dycoke4j.compress.Method.class, name, "--methods")));
        GenerationOptions opts = new GenerationOptions(maxNewTokens, 0f, 1f, 0, 8, true);
        ObjectNode root = new ObjectMapper().createObjectNode();
        ArrayNode runs = root.putArray("runs");
        try (VideoQa qa = VideoQa.load(m, load)) {
            err.println("dycoke bench: " + m + ", " + clip + ", " + dev.dycoke4j.parallel.Parallel.threads() + " threads, "
                    + maxNewTokens + " new tokens, medians of " + repeat + " runs after a warm-up");
            out.println("| method | frames | visual tokens | decode video s | preprocess s | vision s | compress s | prefill s | TTFT s | decode tok/s | total s | KV cache | LLM TFLOP | peak RSS |");
            out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (int f : frames) for (var comp : comps) {
                List<Stats> stats = new ArrayList<>();
                for (int r = 0; r <= repeat; r++) {
                    Answer a = qa.ask(n -> VideoReader.readUniform(clip, n).frames(), f, "What happens in this video?", opts, comp, null);
                    if (r > 0) stats.add(a.stats());
                    err.println(String.format(Locale.ROOT, "  %s frames %d %s: %s", comp.method().id(), f, r == 0 ? "warm-up" : "run " + r, a.stats().line()));
                }
                double dec = median(stats, s -> s.seconds().decodeVideo()), pre = median(stats, s -> s.seconds().preprocess());
                double vis = median(stats, s -> s.seconds().vision()), pf = median(stats, s -> s.seconds().prefill());
                double ttft = median(stats, s -> s.seconds().decodeVideo() + s.seconds().preprocess() + s.seconds().vision() + s.seconds().prefill());
                double tps = median(stats, Stats::tokensPerSecond), tot = median(stats, s -> s.seconds().total());
                double cmp = median(stats, s -> s.seconds().compress());
                Stats last = stats.getLast();
                out.println(String.format(Locale.ROOT, "| %s | %d | %d -> %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.2f | %.3f | %s | %.3f | %s |",
                        comp.method().id(), f, last.visualTokens(), last.visualKept(), dec, pre, vis, cmp, pf, ttft, tps, tot,
                        dev.dycoke4j.pipeline.Bytes.human(last.kvCacheBytes()), last.flopsLlm() / 1e12, dev.dycoke4j.pipeline.Bytes.human(last.peakRssBytes())));
                out.flush();
                ObjectNode run = runs.addObject();
                run.put("method", comp.method().id()).put("frames", f);
                run.putObject("seconds").put("decode_video", dec).put("preprocess", pre).put("vision", vis).put("compress", cmp).put("prefill", pf)
                        .put("ttft", ttft).put("total", tot);
                run.put("decode_tokens_per_s", tps).put("kv_bytes", last.kvCacheBytes() + last.kvPrunedBytes()).put("kv_bytes_active", last.kvCacheBytes())
                        .put("kv_bytes_pruned", last.kvPrunedBytes()).put("peak_rss_bytes", last.peakRssBytes());
                run.put("visual_tokens", last.visualTokens()).put("visual_tokens_kept", last.visualKept())
                        .put("visual_tokens_attended_mean", last.visualAttended()).put("flops_llm", last.flopsLlm())
                        .put("prompt_tokens", last.promptTokens());
            }
        }
        if (json) out.println(root.toPrettyString());
        return 0;
    }

    static double median(List<Stats> stats, ToDoubleFunction<Stats> f) {
        double[] v = stats.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

}
