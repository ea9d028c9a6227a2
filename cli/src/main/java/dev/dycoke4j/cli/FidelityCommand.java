package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.MethodSpec;
import dev.dycoke4j.compress.TokenBudget;
import dev.dycoke4j.compress.UnreachableBudgetException;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.pipeline.Fidelity;
import dev.dycoke4j.pipeline.LoadOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code dycoke fidelity}: how far each method at each retained ratio moves the next-token distributions from
 * {@code none}, by teacher forcing ({@link Fidelity}): greedy agreement and KL, on one video encoded once. With
 * {@code --weights q8} (or {@code --kv-cache bf16}) the methods run on the int8 load of the checkpoint (or with a
 * bfloat16 KV cache) and the reference stays {@code none} as stored with a float32 cache, so {@code --methods none}
 * measures the quantization alone.
 */
@Command(name = "fidelity", mixinStandardHelpOptions = true,
        description = "Compare each method's next-token distributions with none's at several retained ratios (teacher forcing).")
final class FidelityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BenchInputs inputs;

    @Mixin
    PoolingHeadOptions poolingHead;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8", description = "Frames sampled (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--ratios", paramLabel = "R,R", split = ",", defaultValue = "0.25,0.35,0.5", description = "Retained ratios of visual tokens (default: ${DEFAULT-VALUE}).")
    double[] ratios;

    @Option(names = "--methods", paramLabel = "M,M", split = ",", completionCandidates = CompressOptions.MethodNames.class,
            description = "Methods to compare with none (${COMPLETION-CANDIDATES}), with the method options below (default: every method but none).")
    String[] methods;

    @Mixin
    TeacherForcingOptions forcing;

    @Mixin
    CompressOptions compress;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws IOException {
        common.apply();
        LoadOptions load = weights.options(spec.commandLine().getErr());
        boolean second = load.weights() != LoadOptions.WeightFormat.AS_STORED || load.kvCache() != KvCache.Precision.F32;
        if (frames < 1) throw new UsageException("--frames must be at least 1, got " + frames);
        forcing.check();
        for (double r : ratios) if (!(r > 0 && r <= 1)) throw new UsageException("--ratios must be in (0, 1], got " + r);
        List<MethodSpec> ms = new ArrayList<>();
        if (methods != null) for (String name : methods) ms.add(CompressOptions.spec(name, "--methods"));
        // by default, the methods that run on the checkpoint alone; those that need SigLIP's pooling head when named
        else for (MethodSpec spec : CompressionMethods.all()) if (!spec.name().equals("none") && !spec.defaults().needsFrameSignals()) ms.add(spec);
        String signals = ms.stream().filter(s -> s.defaults().needsFrameSignals()).map(MethodSpec::name).findFirst().orElse(null);
        for (MethodSpec method : ms) for (double r : ratios) compress.method(method.name(), "--methods", r); // bad options before the model loads
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        inputs.checkVideo();
        Path m = inputs.anyModel(), v = inputs.video();
        ObjectNode root = new ObjectMapper().createObjectNode();
        if (QwenChecks.isQwen(m)) {
            QwenChecks.frames(m, frames);
            QwenChecks.video(v);
        }
        try (VideoQa qa = VideoQa.load(m); VideoQa measured = second ? VideoQa.load(m, load) : null) {
            var sampled = qa.visionStage().sample(Prologue.video(v, err), frames);
            err.println("dycoke fidelity: " + m + ", " + v + ", " + sampled.frames().size() + " frames, " + forcing.steps + " steps"
                    + (second ? ", methods on " + load.weights().id() + " weights with a " + load.kvCache().id()
                    + " KV cache against none as stored with an f32 one" : ""));
            err.flush();
            if (signals != null)
                qa.poolingHead(poolingHead.load(signals, m, inputs.hub.env(Main.env(spec)), qa.model().config().vision(), err));
            Fidelity fid = Fidelity.of(qa, sampled, VisionOptions.of(frames).withFrameSignals(signals != null), forcing.prompt, forcing.steps);
            root.put("model", m.toString()).put("weights", load.weights().id()).put("kv_cache", load.kvCache().id()).put("video", v.toString()).put("frames", sampled.frames().size()).put("steps", forcing.steps);
            ArrayNode ref = root.putArray("reference_tokens");
            for (int t : fid.reference()) ref.add(t);
            ArrayNode rows = root.putArray("results");
            if (!json) {
                out.println("| method | retained | visual tokens | attended while decoding | greedy agreement | mean KL | max KL |");
                out.println("|---|---:|---:|---:|---:|---:|---:|");
            }
            for (MethodSpec method : ms) for (double r : ratios) {
                if (!method.keys().contains("ratio") && r != ratios[0]) continue; // a method without a ratio (none): one row
                CompressionMethod comp = compress.method(method.name(), "--methods", r);
                double shown = comp.budget() instanceof TokenBudget.Ratio b ? b.ratio() : r; // none keeps every visual token
                ObjectNode row = rows.addObject().put("method", comp.name()).put("ratio", shown);
                try {
                    qa.videoModel().checkMethod(comp);
                } catch (IllegalArgumentException e) {
                    // a method this model's family cannot run (Qwen2.5-VL's tower gives no attention to rank by): a row that says so
                    row.put("refused", e.getMessage());
                    if (!json) out.println(String.format(Locale.ROOT, "| %s | %.0f%% | n/a: %s | | | | |", comp.name(), 100 * r, e.getMessage()));
                    out.flush();
                    continue;
                }
                try {
                    Fidelity.Result res = measured != null ? fid.measure(measured, comp) : fid.measure(comp);
                    row.put("visual_tokens_pooled", res.visualPooled()).put("visual_tokens_kept", res.visualKept())
                            .put("visual_tokens_attended_mean", res.visualAttended()).put("agreement", res.agreement())
                            .put("kl_mean", res.meanKl()).put("kl_max", res.maxKl());
                    if (!json) out.println(String.format(Locale.ROOT, "| %s | %.0f%% | %d -> %d | %.1f | %.3f | %.4g | %.4g |", comp.name(), 100 * shown,
                            res.visualPooled(), res.visualKept(), res.visualAttended(), res.agreement(), res.meanKl(), res.maxKl()));
                } catch (UnreachableBudgetException e) {
                    // a budget the method can't reach (DyCoke's TTM keeps its reference frames whole): a row that says so
                    String why = e.message(CompressOptions::flag);
                    row.put("unreachable", why);
                    if (!json) out.println(String.format(Locale.ROOT, "| %s | %.0f%% | n/a: %s | | | | |", comp.name(), 100 * r, why));
                }
                out.flush();
            }
        }
        if (json) out.println(root.toPrettyString());
        return 0;
    }
}
