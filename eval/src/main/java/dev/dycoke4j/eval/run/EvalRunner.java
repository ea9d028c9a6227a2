package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.InvalidOptionException;
import dev.dycoke4j.compress.RequestShape;
import dev.dycoke4j.eval.GenerationSettings;
import dev.dycoke4j.eval.JudgedTask;
import dev.dycoke4j.eval.PyError;
import dev.dycoke4j.eval.PyJson;
import dev.dycoke4j.eval.PyStr;
import dev.dycoke4j.eval.ScoringContext;
import dev.dycoke4j.eval.Task;
import dev.dycoke4j.eval.Tasks;
import dev.dycoke4j.eval.data.EvalSample;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.CompressStage;
import dev.dycoke4j.pipeline.CompressedVideo;
import dev.dycoke4j.pipeline.EncodedVideo;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.pipeline.VideoModel;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.Sequence;
import dev.dycoke4j.pipeline.StatsJson;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.video.VideoFileSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Runs every cell (method at budget) over a list of samples. Samples are grouped by video; each video is decoded and
 * encoded once (the vision stage, through its feature cache) and compressed once per cell, and the questions about it
 * reuse the prompt's video prefix (the prefix cache). Each answer is appended to {@value #PREDICTIONS} as soon as it
 * is made, so a restarted run skips what is there and a killed one loses only the answer in flight; the results are
 * then scored from that file ({@link Report}).
 *
 * <p>Prompts are lmms-eval's for {@code llava_onevision} as DyCoke ran it ({@code conv_template=qwen_1_5}): the
 * system turn "You are a helpful assistant.", then the user turn with the video, a line break and the task's
 * {@code doc_to_text}; the task's {@code max_new_tokens}, greedy. Like the copy's model file, the task's {@code until}
 * strings are not used: generation stops at the end-of-turn token. {@code none} always runs, first: it is the
 * reference of the label-free fidelity (agreement of the answers, KL of the first answer token's distribution).
 */
public final class EvalRunner {
    /** The file of predictions in the output folder. */
    public static final String PREDICTIONS = "predictions.jsonl";
    /** The system turn of LLaVA's {@code qwen_1_5} conversation. */
    public static final String SYSTEM = "You are a helpful assistant.";

    private final VideoQa qa;
    private final List<Cell> cells;
    private final RunOptions opts;
    private final Path out;
    private final RunListener listener;

    /**
     * @param cells the methods at their budgets; {@code none} is added first when missing, and duplicates are dropped
     * @param out   the output folder (created), which holds {@value #PREDICTIONS} from earlier runs to resume
     */
    public EvalRunner(VideoQa qa, List<Cell> cells, RunOptions opts, Path out, RunListener listener) {
        this(qa, cells, opts, listener, Objects.requireNonNull(out, "out"));
    }

    private EvalRunner(VideoQa qa, List<Cell> cells, RunOptions opts, RunListener listener, Path out) {
        this.qa = Objects.requireNonNull(qa, "qa");
        this.opts = Objects.requireNonNull(opts, "opts");
        this.out = out;
        this.listener = listener == null ? RunListener.NONE : listener;
        this.cells = withNone(cells);
    }

    /**
     * A runner without an output folder, for a worker that only answers ({@link #answerVideo}) and hands its lines to
     * whoever writes them (a Spark executor: the driver writes).
     */
    public static EvalRunner worker(VideoQa qa, List<Cell> cells, RunOptions opts) {
        return new EvalRunner(qa, cells, opts, RunListener.NONE, null);
    }

    /** The cells as a run runs them: {@code none} first (added when missing), duplicates dropped. */
    public static List<Cell> withNone(List<Cell> cells) {
        Map<String, Cell> byId = new LinkedHashMap<>();
        byId.put("none", Cell.none());
        for (Cell c : cells) byId.putIfAbsent(c.id(), c);
        return List.copyOf(byId.values());
    }

    /** The cells run, {@code none} first. */
    public List<Cell> cells() {
        return cells;
    }

    /** A sample ready to answer: its task, prompt and target. */
    private record Prepared(EvalSample sample, Task task, String context, Object target) {
        String key(Cell c) {
            return JsonLog.key(sample.task(), sample.docId(), c.id());
        }
    }

    /**
     * Answers every sample in every cell not already in the predictions, then writes the results. A sample whose video
     * cannot be decoded, or whose prompt cannot be built, is reported (one line naming it) and left out; the others go on.
     *
     * @throws IllegalArgumentException for a sample of an unknown task, before anything runs
     */
    public RunSummary run(List<EvalSample> samples) {
        if (out == null) throw new IllegalStateException("a worker runner has no output folder; it only answers videos");
        for (EvalSample s : samples) Tasks.get(s.task());
        List<RunSummary.Failure> failures = new ArrayList<>();
        Map<String, String> unreachable = new LinkedHashMap<>();
        int predicted = 0, resumed = 0, encoded = 0, cached = 0, dropped;
        try (JsonLog log = JsonLog.open(out.resolve(PREDICTIONS))) {
            dropped = log.droppedPartial();
            if (dropped > 0) listener.problem(log.file() + ": the last line was cut off mid-write (a killed run); it was dropped and will be redone");
            Map<Path, List<Prepared>> byVideo = prepare(samples, opts, listener, failures);
            checkCells(unreachable);
            Map<String, int[]> progress = new HashMap<>();
            for (Cell c : cells) {
                int done = 0;
                for (List<Prepared> g : byVideo.values()) for (Prepared p : g) if (log.has(p.key(c))) done++;
                progress.put(c.id(), new int[]{done, samples.size()});
                resumed += done;
                listener.progress(c, done, samples.size());
            }
            VisionOptions vo = visionOptions();
            Sink sink = (cell, p, line) -> {
                log.append(line);
                int[] pr = progress.get(cell.id());
                pr[0]++;
                listener.progress(cell, pr[0], pr[1]);
                listener.predicted(cell, p.sample().task(), p.sample().docId());
            };
            for (var e : byVideo.entrySet()) {
                int[] made = answerGroup(e.getKey(), e.getValue(), vo, log::has, sink, failures, unreachable);
                if (made == null) continue;
                if (made[1] == 1) cached++;
                else encoded++;
                predicted += made[0];
            }
        }
        RunSummary summary = new RunSummary(predicted, resumed, dropped, encoded, cached, List.copyOf(failures), Map.copyOf(unreachable));
        Report.write(out, runInfo(qa.videoModel().dir().toString(), cells, opts, summary));
        return summary;
    }

    /** Where a made prediction line goes. */
    private interface Sink {
        void accept(Cell cell, Prepared p, ObjectNode line);
    }

    /**
     * What answering one video's samples made, without writing anything: the prediction lines in the order an
     * in-process run appends them (cell by cell, {@code none} first, the samples in their order), the samples that
     * could not run, the cells found unable to run (not those known before), the problem lines an in-process run
     * reports for them, in its order, and whether the video was encoded (else it came from the vision cache, or
     * nothing was pending).
     */
    public record VideoAnswers(List<ObjectNode> lines, List<RunSummary.Failure> failures, Map<String, String> unreachable, List<String> problems,
                               boolean encoded, boolean cached) {
    }

    /**
     * Answers the samples of one video in every cell, as {@link #run} does for each of its videos, and returns the
     * lines instead of appending them; {@code done} holds the keys ({@link JsonLog#key}) already predicted, which are
     * skipped (but {@code none}'s first-token distribution is recomputed where another cell still needs it).
     *
     * @throws IllegalArgumentException for a sample of an unknown task
     */
    public VideoAnswers answerVideo(List<EvalSample> samples, Set<String> done) {
        return answerVideo(samples, done, Map.of());
    }

    /**
     * As {@link #answerVideo(List, Set)}, with the cells already known unable to run ({@code known}, cell id to why):
     * they are skipped without being tried or reported again, as an in-process run skips them on its later videos.
     */
    public VideoAnswers answerVideo(List<EvalSample> samples, Set<String> done, Map<String, String> known) {
        for (EvalSample s : samples) Tasks.get(s.task());
        List<String> problems = new ArrayList<>();
        RunListener collect = new RunListener() {
            @Override
            public void problem(String line) {
                problems.add(line);
                listener.problem(line);
            }
        };
        return new EvalRunner(qa, cells, opts, collect, null).answerVideo(samples, done, known, problems);
    }

    private VideoAnswers answerVideo(List<EvalSample> samples, Set<String> done, Map<String, String> known, List<String> problems) {
        List<RunSummary.Failure> failures = new ArrayList<>();
        Map<String, String> unreachable = new LinkedHashMap<>(known);
        List<ObjectNode> lines = new ArrayList<>();
        checkCells(unreachable);
        VisionOptions vo = visionOptions();
        boolean encoded = false, cached = false;
        for (var e : prepare(samples, opts, listener, failures).entrySet()) {
            int[] made = answerGroup(e.getKey(), e.getValue(), vo, done::contains, (cell, p, line) -> lines.add(line), failures, unreachable);
            if (made == null) continue;
            cached |= made[1] == 1;
            encoded |= made[1] == 0;
        }
        Map<String, String> found = new LinkedHashMap<>(unreachable);
        found.keySet().removeAll(known.keySet());
        return new VideoAnswers(List.copyOf(lines), List.copyOf(failures), java.util.Collections.unmodifiableMap(found), List.copyOf(problems), encoded, cached);
    }

    /** The run's frames and vision batch, with the saliency and the frame signals when some cell's method needs them. */
    private VisionOptions visionOptions() {
        boolean saliency = cells.stream().anyMatch(c -> CompressStage.needsSaliency(c.compression()));
        boolean signals = cells.stream().anyMatch(c -> CompressStage.needsFrameSignals(c.compression()));
        return new VisionOptions(opts.frames(), opts.visionBatch(), saliency).withFrameSignals(signals);
    }

    /**
     * The samples grouped by video (its absolute path), in the order of their first sample; a sample without a video,
     * or whose prompt cannot be built, is reported to {@code listener}, added to {@code failures} and left out.
     *
     * @throws IllegalArgumentException for a sample of an unknown task
     */
    public static Map<Path, List<EvalSample>> groupByVideo(List<EvalSample> samples, RunOptions opts, RunListener listener, List<RunSummary.Failure> failures) {
        Map<Path, List<EvalSample>> out = new LinkedHashMap<>();
        for (var e : prepare(samples, opts, listener == null ? RunListener.NONE : listener, failures).entrySet())
            out.put(e.getKey(), e.getValue().stream().map(Prepared::sample).toList());
        return out;
    }

    private static Map<Path, List<Prepared>> prepare(List<EvalSample> samples, RunOptions opts, RunListener listener, List<RunSummary.Failure> failures) {
        Map<Path, List<Prepared>> byVideo = new LinkedHashMap<>();
        for (EvalSample s : samples) {
            Task task = Tasks.get(s.task());
            String where = s.task() + " doc " + s.docId();
            if (!s.hasVideo()) {
                fail(listener, failures, s, where + ": no video file; skipped");
                continue;
            }
            try {
                String context = task.prompt(s.doc(), task.kwargs(), opts.files());
                Object target = task.target(s.doc());
                byVideo.computeIfAbsent(s.video().toAbsolutePath().normalize(), v -> new ArrayList<>()).add(new Prepared(s, task, context, target));
            } catch (PyError e) {
                fail(listener, failures, s, where + ": cannot build its prompt (" + e.getMessage() + ", as lmms-eval would raise); skipped");
            }
        }
        return byVideo;
    }

    /**
     * One video's group in every cell: encoded once when anything is pending. Returns null when nothing was pending or
     * the video could not be decoded, else {predictions made, 1 if the video came from the vision cache}.
     */
    private int[] answerGroup(Path path, List<Prepared> group, VisionOptions vo, Predicate<String> done, Sink sink,
                              List<RunSummary.Failure> failures, Map<String, String> unreachable) {
        boolean any = false;
        for (Cell c : cells) if (!unreachable.containsKey(c.id())) for (Prepared p : group) any |= !done.test(p.key(c));
        if (!any) return null;
        EncodedVideo video;
        try {
            video = qa.visionStage().encode(new VideoFileSource(path), vo);
        } catch (RuntimeException ex) {
            String why = path + ": cannot decode (" + rootMessage(ex) + "); its " + group.size() + " sample" + (group.size() == 1 ? "" : "s")
                    + " (" + ids(group) + ") are skipped, the run goes on";
            listener.problem(why);
            for (Prepared p : group) failures.add(new RunSummary.Failure(p.sample().task(), p.sample().docId(), path.toString(), why));
            return null;
        }
        return new int[]{runVideo(done, sink, group, video, path, failures, unreachable), video.cached() ? 1 : 0};
    }

    /**
     * Cells whose settings this model cannot take (a layer it does not have, a method its family cannot run) are
     * reported once and skipped; those already in {@code unusable} are not tried again.
     */
    private void checkCells(Map<String, String> unusable) {
        VideoModel model = qa.videoModel();
        int tokensPerFrame = model instanceof LlavaOneVision l ? l.tokensPerFrame() : 1;
        RequestShape shape = new RequestShape(model.text().numLayers(), 0, 1, 1, tokensPerFrame, 1);
        for (Cell c : cells) {
            if (unusable.containsKey(c.id())) continue;
            String why = null;
            try {
                model.checkMethod(c.compression());
                c.compression().decode(shape);
                c.compression().prefill(shape);
            } catch (InvalidOptionException e) {
                why = e.message(k -> k);
            } catch (IllegalArgumentException e) {
                why = e.getMessage();
            }
            if (why != null) {
                unusable.put(c.id(), why);
                listener.problem(c.id() + ": cannot run on this model (" + why + "); the cell is skipped");
            }
        }
    }

    private static void fail(RunListener listener, List<RunSummary.Failure> failures, EvalSample s, String why) {
        listener.problem(why);
        failures.add(new RunSummary.Failure(s.task(), s.docId(), s.video() == null ? null : s.video().toString(), why));
    }

    /** Every cell on one encoded video: {@code none} first, keeping its first-token distributions for the others. */
    private int runVideo(Predicate<String> done, Sink sink, List<Prepared> group, EncodedVideo video, Path path,
                         List<RunSummary.Failure> failures, Map<String, String> unreachable) {
        int made = 0;
        Map<Integer, double[]> reference = new HashMap<>();
        for (Cell cell : cells) {
            if (unreachable.containsKey(cell.id())) continue;
            boolean pendingHere = false;
            for (int i = 0; i < group.size(); i++) {
                Prepared p = group.get(i);
                pendingHere |= !done.test(p.key(cell)) || cell.isNone() && needsReference(done, p);
            }
            if (!pendingHere) continue;
            CompressedVideo compressed;
            try {
                compressed = qa.compressStage().apply(video, cell.compression());
            } catch (InvalidOptionException ex) {
                // a budget the method cannot reach on this video (DyCoke's TTM below its reference frames, or a
                // FLOPs, attended or KV budget outside the method's range): found once, the cell skipped from here on
                String why = ex.message(k -> k);
                unreachable.put(cell.id(), why);
                listener.problem(cell.id() + ": cannot run at this budget (" + why + "); the cell is skipped");
                continue;
            }
            for (int i = 0; i < group.size(); i++) {
                Prepared p = group.get(i);
                boolean pending = !done.test(p.key(cell));
                if (!pending && !(cell.isNone() && needsReference(done, p))) continue;
                // the group's first sample carries the video's cost in every cell, as if each cell ran alone
                CompressedVideo v = i == 0 ? compressed : compressed.paid();
                try {
                    if (!pending) {
                        reference.put(i, firstTokenOnly(p, v));
                        continue;
                    }
                    ObjectNode line = answer(p, cell, v, path, reference.get(i), cell.isNone() ? reference : null, i);
                    sink.accept(cell, p, line);
                    made++;
                } catch (IllegalArgumentException | IllegalStateException ex) {
                    String why = p.sample().task() + " doc " + p.sample().docId() + " (" + cell.id() + "): " + ex.getMessage() + "; skipped";
                    listener.problem(why);
                    failures.add(new RunSummary.Failure(p.sample().task(), p.sample().docId(), path.toString(), why));
                }
            }
        }
        return made;
    }

    /** Whether some compressed cell still needs {@code none}'s first-token distribution for this sample. */
    private boolean needsReference(Predicate<String> done, Prepared p) {
        for (Cell c : cells) if (!c.isNone() && !done.test(p.key(c))) return true;
        return false;
    }

    private GenerationOptions generation(Task task, int maxNew) {
        GenerationSettings g = task.generation();
        if (!g.doSample() || g.temperature() == 0) return GenerationOptions.greedy(maxNew);
        return new GenerationOptions(maxNew, (float) g.temperature(), g.topP() == null ? 1f : g.topP().floatValue(), 0, false);
    }

    private int maxNew(Task task) {
        int m = task.generation().maxNewTokens();
        return opts.maxNewTokens() == null ? m : Math.min(m, opts.maxNewTokens());
    }

    private boolean loglik(Prepared p) {
        return opts.mcScoring() == McScoring.LOGLIK && p.task().choices(p.sample().doc()) != null;
    }

    /** {@code none}'s first answer token's distribution for a sample answered in an earlier run: one prefill. */
    private double[] firstTokenOnly(Prepared p, CompressedVideo v) {
        Sequence seq = qa.answerStage().start(v, SYSTEM, p.context(), GenerationOptions.greedy(1), null);
        seq.prefill(Integer.MAX_VALUE);
        return FirstToken.logSoftmax(seq.logits());
    }

    /** Answers one sample in one cell: the prediction line. */
    private ObjectNode answer(Prepared p, Cell cell, CompressedVideo v, Path path, double[] ref, Map<Integer, double[]> keepRef, int index) {
        Task task = p.task();
        Map<String, Object> doc = p.sample().doc();
        boolean ll = loglik(p);
        Sequence seq = qa.answerStage().start(v, SYSTEM, p.context(), ll ? GenerationOptions.greedy(1) : generation(task, maxNew(task)), null);
        seq.prefill(Integer.MAX_VALUE);
        double[] first = FirstToken.logSoftmax(seq.logits());
        if (keepRef != null && cells.size() > 1) keepRef.put(index, first);
        ObjectNode r = JsonLog.JSON.createObjectNode();
        String response = null;
        if (ll) {
            ObjectNode scores = JsonLog.JSON.createObjectNode();
            String best = null;
            double bestLp = Double.NEGATIVE_INFINITY;
            for (String letter : task.choices(doc)) {
                int[] ids = qa.tokenizer().encode(letter);
                if (ids.length != 1) throw new IllegalStateException("option letter '" + letter + "' is " + ids.length + " tokens, not one; score it with generate");
                double lp = first[ids[0]];
                scores.put(letter, lp);
                if (lp > bestLp) {
                    bestLp = lp;
                    best = letter;
                }
            }
            response = best;
            r.set("loglik", scores);
        }
        while (!seq.done()) seq.step();
        Answer a = seq.answer();
        if (!ll) response = PyStr.strip(a.text());
        r.put("task", task.name()).put("doc_id", p.sample().docId()).put("cell", cell.id()).put("method", cell.method());
        if (cell.ratio() == null) r.putNull("ratio");
        else r.put("ratio", cell.ratio());
        r.put("mc_scoring", ll ? McScoring.LOGLIK.id() : McScoring.GENERATE.id());
        r.set("doc", PyJson.toJson(doc));
        r.set("target", PyJson.toJson(p.target()));
        r.putArray("arguments").add(p.context());
        r.putArray("resps").addArray().add(response);
        r.putArray("filtered_resps").add(response);
        if (!(task instanceof JudgedTask)) {
            try {
                for (var m : task.processResults(doc, response, ScoringContext.seeded(null)).entrySet()) r.set(m.getKey(), PyJson.toJson(m.getValue()));
                r.put("parse_failed", !ll && task.parseFailed(doc, response));
            } catch (PyError e) {
                r.put("scoring_error", e.getMessage());
            }
        }
        if (ref != null) r.put("first_token_kl", FirstToken.kl(ref, first));
        else if (cell.isNone()) r.put("first_token_kl", 0.0);
        r.put("video", path.toString());
        r.put("video_cost_paid", index == 0);
        ObjectNode stats = StatsJson.of(a.stats());
        r.set("stats", stats);
        return r;
    }

    private static String ids(List<Prepared> group) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < group.size() && i < 5; i++) sb.append(i > 0 ? ", " : "").append(group.get(i).sample().task()).append(" doc ").append(group.get(i).sample().docId());
        if (group.size() > 5) sb.append(", ...");
        return sb.toString();
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c && (c.getMessage() == null || c instanceof java.util.concurrent.ExecutionException
                || c instanceof java.util.concurrent.CompletionException)) c = c.getCause();
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }

    /** What results.json says about a run of {@code cells} ({@code none} first) on {@code model}: its settings, failures and unreachable cells. */
    public static ObjectNode runInfo(String model, List<Cell> cells, RunOptions opts, RunSummary s) {
        ObjectNode run = JsonLog.JSON.createObjectNode();
        run.put("model", model);
        run.put("frames", opts.frames());
        run.put("mc_scoring", opts.mcScoring().id());
        if (opts.maxNewTokens() != null) run.put("max_new_tokens_cap", opts.maxNewTokens());
        ArrayNode cs = run.putArray("cells");
        for (Cell c : cells) cs.add(c.id());
        run.put("predicted", s.predicted()).put("resumed", s.resumed()).put("dropped_partial_lines", s.droppedPartial())
                .put("videos_encoded", s.videosEncoded()).put("videos_from_cache", s.videosCached());
        ArrayNode f = run.putArray("failed_samples");
        for (RunSummary.Failure x : s.failures())
            f.addObject().put("task", x.task()).put("doc_id", x.docId()).put("video", x.video()).put("problem", x.problem());
        ObjectNode u = run.putObject("unreachable_cells");
        s.unreachable().forEach(u::put);
        return run;
    }
}
