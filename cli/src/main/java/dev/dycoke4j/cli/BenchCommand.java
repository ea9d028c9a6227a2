package dev.dycoke4j.cli;

import dev.dycoke4j.peer.PeerBenchmark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.pipeline.Qwen25Vl;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.Stats;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VideoSession;
import dev.dycoke4j.pipeline.VideoSource;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.vision.SiglipVisionTower;
import dev.dycoke4j.video.QwenVideoReader;
import dev.dycoke4j.video.VideoFileSource;
import dev.dycoke4j.vision.QwenSampling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code dycoke bench}: seconds per stage for each method at several frame counts, medians over repeated runs in one
 * process, with each method's speed-up over {@code none}. By default on a cached random-weight checkpoint with the
 * real dimensions of llava-onevision-qwen2-0.5b-ov-hf (BF16) and a synthetic 640x360 clip.
 *
 * <p>Per frame count and repeat, the caches are emptied and the video is encoded once, uncached (with the vision
 * attention when a method needs it), which times the decoding (on its own thread, overlapped with preprocessing and
 * the vision tower), the vision tower and the projector and pooling; every method then answers from the cached
 * features, found by the clip's content without decoding it, so that the video side, which does not depend on the
 * method, is not run once per method. Each answer is followed by a second question on the same session: its time to first token is
 * {@code followup_ttft}. A warm-up pass at the smallest frame count comes first and is not counted.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {BenchServeCommand.class, BenchArenaCommand.class},
        description = "Time every stage of each method at several frame counts (medians of --repeat runs after a warm-up), with speed-ups over none.")
final class BenchCommand implements Callable<Integer> {
    static final String QUESTION = "What happens in this video?";
    /** The second question of every run: its time to first token is {@code followup_ttft} (the video and prefix reused). */
    static final String FOLLOW_UP = "What is the main object doing?";
    static final GenerationOptions FOLLOW_UP_OPTIONS = new GenerationOptions(1, 0f, 1f, 0, true);

    @Spec
    CommandSpec spec;

    @Mixin
    BenchInputs inputs;

    @Mixin
    PoolingHeadOptions poolingHead;

    @Option(names = "--frames", paramLabel = "N,N", split = ",", defaultValue = "8,16,32", description = "Frame counts to run (default: ${DEFAULT-VALUE}).")
    int[] frames;

    @Option(names = "--fps", paramLabel = "F",
            description = "Qwen2.5-VL only, instead of --frames: about F frames per second of the clip, as qwen-vl-utils samples them (one row, at the count the rate gives).")
    Double fps;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3", description = "Timed runs per setting, after a warm-up pass (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "32", description = "Tokens generated per run, stop tokens ignored (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--methods", paramLabel = "M,M", split = ",", completionCandidates = CompressOptions.MethodNames.class,
            description = "Methods to compare, with the method options below (defaults: DyCoke K=0.7, L=3, P=0.7; baselines at DyCoke's budget) (default: every method that runs on the checkpoint alone: all of ${COMPLETION-CANDIDATES} but fastvid, which needs SigLIP's pooling head).")
    String[] methods;

    @Mixin
    CompressOptions compress;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "dycoke-bench",
            description = "Where bench.md, bench.json and bench.png are written (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--json", description = "Print the medians as JSON instead of the table.")
    boolean json;

    @Option(names = "--peer", paramLabel = "NAME", description = "Instead, compare text-only LLM prefill and decode with a peer engine on the same weights, e.g. jlama (needs the peer-NAME module on the class path, as ./dycoke has it).")
    String peer;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "1700", description = "With --peer: prompt length in tokens (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "With --peer: untimed runs of each engine, at the full prompt and token counts, before the timed ones, so that the JIT has compiled both engines' code for these shapes (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        var load = weights.options(spec.commandLine().getErr());
        if (repeat < 1) throw new UsageException("--repeat must be at least 1, got " + repeat);
        if (maxNewTokens < 2) throw new UsageException("--max-new-tokens must be at least 2, got " + maxNewTokens);
        if (frames.length == 0) throw new UsageException("--frames needs at least one frame count");
        for (int f : frames) if (f < 1) throw new UsageException("--frames must be at least 1, got " + f);
        if (peer != null) return comparePeer(spec.commandLine().getOut(), spec.commandLine().getErr(), load);
        List<CompressionMethod> comps = new ArrayList<>();
        for (String name : methods != null ? List.of(methods) : CompressionMethods.names()) {
            CompressionMethod c = compress.method(name, "--methods");
            // by default, the methods that run on the checkpoint alone; those that need SigLIP's pooling head when named
            if (methods != null || !c.needsFrameSignals()) comps.add(c);
        }
        boolean signals = comps.stream().anyMatch(CompressionMethod::needsFrameSignals);
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new UsageException(outDir + ": --out must be a directory");
        inputs.checkVideo();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Path m = inputs.anyModel(), clip = inputs.video();
        boolean qwen = QwenChecks.isQwen(m);
        if (fps != null) {
            if (!qwen) throw new UsageException("--fps samples Qwen2.5-VL's frames by rate; LLaVA-OneVision takes --frames N frames uniformly");
            if (spec.commandLine().getParseResult().hasMatchedOption("--frames"))
                throw new UsageException("--fps and --frames both choose how many frames Qwen2.5-VL sees; give one of them");
            if (!(fps > 0) || fps.isInfinite()) throw new UsageException("--fps must be a positive number of frames per second, got " + fps);
        }
        if (qwen) {
            QwenChecks.video(clip);
            // by rate: one row, at the count the rate gives this clip
            if (fps != null) frames = new int[]{QwenVideoReader.count(clip, QwenSampling.rate(fps), Qwen25VlVisionConfig.load(m).temporalPatchSize())};
            else for (int f : frames) QwenChecks.frames(m, f);
            // by default, the methods Qwen2.5-VL runs; a named one it cannot run is refused in one line
            if (methods == null) comps.removeIf(c -> !supportedOnQwen(c));
            else comps.forEach(QwenChecks::method);
        }
        GenerationOptions opts = new GenerationOptions(maxNewTokens, 0f, 1f, 0, true);
        // the video is encoded by this method's settings: with the vision attention if any method needs it
        CompressionMethod encoder = comps.stream().filter(CompressionMethod::needsVisionAttention).findFirst().orElse(CompressionMethods.none());
        int[] fs = frames.clone();
        Arrays.sort(fs);
        List<BenchRow> rows = new ArrayList<>();
        for (int f : frames) for (var c : comps) rows.add(new BenchRow(c.name(), f));
        ProgressBar bar = new ProgressBar(System.err);
        int total = (fs.length * repeat + 1) * comps.size(), done = 0;
        long weightBytes, residentWeights;
        java.util.function.Function<BenchRow, MemoryBreakdown> memory;
        VideoFileSource sampler = fps != null ? Prologue.video(clip, err).byRate(fps) : Prologue.video(clip, err);
        // the copy bandwidth at the start and at the end, the better of the two: one probe alone caught this shared
        // machine at a slow moment (21.7 GB/s, when decode itself had read 30 GB/s of weights) and overstated "of bound"
        double bandwidthBefore = CopyBandwidth.measure(CopyBandwidth.BYTES, 7);
        try (VideoQa qa = VideoQa.load(m, load)) {
            weightBytes = qa.videoModel().decoder().decodeWeightBytes();
            long resident = qa.videoModel().residentWeightBytes();
            residentWeights = resident;
            // Qwen2.5-VL: the language model's prefill buffers only (its tower's are not counted)
            var text = qa.videoModel().text();
            var llava = qa.videoModel() instanceof LlavaOneVision l ? l.config() : null;
            memory = r -> llava != null ? r.memory(resident, llava) : r.memory(resident, text);
            if (signals)
                qa.poolingHead(poolingHead.load(comps.stream().filter(CompressionMethod::needsFrameSignals).findFirst().orElseThrow().name(), m,
                        inputs.hub.env(Main.env(spec)), qa.model().config().vision(), err));
            // the SigLIP tower's rate: its FLOPs over its seconds (uncached, this thread's time in it); NaN for another tower
            double visionFlops = llava != null ? SiglipVisionTower.flopsPerFrame(llava) : Double.NaN;
            err.println("dycoke bench: " + m + ", " + clip + ", " + Parallel.threads() + " threads, " + maxNewTokens
                    + " new tokens, medians of " + repeat + " runs after a warm-up pass at " + fs[0] + " frames");
            err.flush();
            for (int pass = -1; pass < fs.length * repeat; pass++) {
                int f = pass < 0 ? fs[0] : fs[pass / repeat];
                VisionOptions vision = VisionOptions.of(f).withFrameSignals(signals);
                qa.clearCaches();
                GcTally encodeGc = GcTally.start();
                Stats.Seconds vs = encode(qa, sampler, vision, encoder);
                double[] encodeCollections = encodeGc.seconds();
                for (var c : comps) {
                    bar.update(String.format(Locale.ROOT, "%s@%d", c.name(), f), done, total);
                    Run run = run(qa, sampler, vision, c, opts);
                    Answer a = run.answer();
                    done++;
                    if (!a.stats().visionCached())
                        throw new IllegalStateException("bench: the vision features of " + c.name() + " were not served from the cache");
                    if (pass >= 0) rowOf(rows, c.name(), f).add(a.stats(), run.followUp().stats(), vs, encodeCollections, run.collections());
                    bar.clear();
                    String rate = Double.isNaN(visionFlops) ? "" : String.format(Locale.ROOT, " (%.1f GFLOP/s)", visionFlops * f / 1e9 / vs.vision());
                    err.println(String.format(Locale.ROOT, "  %s frames %d %s: decode %.2fs preprocess %.2fs vision %.2fs%s project+pool %.2fs (overlapped %.2fs) | %s",
                            c.name(), f, pass < 0 ? "warm-up" : "run " + (pass % repeat + 1), vs.decodeVideo(), vs.preprocess(), vs.vision(),
                            rate, vs.projectPool(), vs.overlapped(), a.stats().line()));
                    err.flush();
                }
            }
            bar.update("bench", total, total);
        }
        double bandwidth = Math.max(bandwidthBefore, CopyBandwidth.measure(CopyBandwidth.BYTES, 7));
        var bound = new BenchReport.Bound(bandwidth, weightBytes);
        MachineInfo machine = MachineInfo.current();
        List<String> table = new java.util.ArrayList<>(BenchReport.markdown(rows, bound, memory));
        table.addAll(List.of("", "Machine: " + machine.line()));
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.set("machine", new ObjectMapper().valueToTree(machine.asMap()));
        root.put("model", m.toString()).put("video", clip.toString()).put("threads", Parallel.threads())
                .put("max_new_tokens", maxNewTokens).put("repeat", repeat);
        BenchReport.json(rows, bound, memory, root);
        Files.createDirectories(outDir);
        Files.write(outDir.resolve("bench.md"), table);
        Files.writeString(outDir.resolve("bench.json"), BenchReport.json(root) + "\n");
        BenchReport.chart(rows, "dycoke bench: seconds per stage (" + m.getFileName() + ")", outDir.resolve("bench.png"));
        if (json) out.println(BenchReport.json(root));
        else table.forEach(out::println);
        out.flush();
        err.println("dycoke bench: wrote " + outDir.resolve("bench.md") + ", bench.json and bench.png");
        return 0;
    }

    /**
     * Encodes the video uncached (the vision-feature cache then holds it for every method's run) and returns what that
     * cost; the session itself is not kept, so that its rows are not resident during the runs that follow.
     */
    private static Stats.Seconds encode(VideoQa qa, VideoSource video, VisionOptions vision, CompressionMethod encoder) {
        return qa.open(video, vision, encoder).videoSeconds();
    }

    /**
     * One method's answer and its follow-up about the same session, and the seconds of young and old-generation
     * collections while they ran.
     */
    record Run(Answer answer, Answer followUp, double[] collections) {
    }

    /**
     * One method's run, its peak resident memory measured on its own ({@link RunPeak}): a session on the cached
     * features, a question and a follow-up. Earlier methods' prefix-cache entries are dropped first (no run of this
     * method can use them), and nothing of the session outlives the run but its answers.
     */
    static Run run(VideoQa qa, VideoSource video, VisionOptions vision, CompressionMethod c, GenerationOptions opts) {
        RunPeak.start(qa.prefixCache());
        GcTally gc = GcTally.start(); // after RunPeak's own collection
        VideoSession session = qa.open(video, vision, c);
        Answer a = session.ask(QUESTION, opts, null);
        Answer followUp = session.ask(FOLLOW_UP, FOLLOW_UP_OPTIONS, null);
        return new Run(a, followUp, gc.seconds());
    }

    private static boolean supportedOnQwen(CompressionMethod c) {
        try {
            Qwen25Vl.checkSupported(c);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static BenchRow rowOf(List<BenchRow> rows, String method, int frames) {
        for (BenchRow r : rows) if (r.method.equals(method) && r.frames == frames) return r;
        throw new IllegalStateException(method + "@" + frames);
    }

    /** {@code --peer}: one timed run by default ({@code --repeat} only when given), text only, ours in this process (the peer runs where its module says). */
    private int comparePeer(PrintWriter out, PrintWriter err, dev.dycoke4j.pipeline.LoadOptions load) throws Exception {
        if (promptTokens < 2) throw new UsageException("--prompt-tokens must be at least 2, got " + promptTokens);
        if (warmup < 0) throw new UsageException("--warmup must be at least 0, got " + warmup);
        PeerBenchmark p = Peers.find(peer);
        boolean repeatGiven = spec.commandLine().getParseResult().hasMatchedOption("--repeat");
        Path m = inputs.model();
        p.run(new PeerBenchmark.Request(m, BenchAssets.dir(inputs.cache), promptTokens, maxNewTokens, repeatGiven ? repeat : 1,
                warmup, Parallel.threads(), json, load, MachineInfo.current().asMap()), out, err);
        return 0;
    }
}
