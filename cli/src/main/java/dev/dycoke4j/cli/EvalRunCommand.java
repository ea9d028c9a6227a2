package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.compress.MethodSpec;
import dev.dycoke4j.eval.MvBench;
import dev.dycoke4j.eval.Tasks;
import dev.dycoke4j.eval.data.EvalSample;
import dev.dycoke4j.eval.run.Cell;
import dev.dycoke4j.eval.run.DistributedRun;
import dev.dycoke4j.eval.run.EvalRunner;
import dev.dycoke4j.eval.run.McScoring;
import dev.dycoke4j.eval.run.Report;
import dev.dycoke4j.eval.run.RunListener;
import dev.dycoke4j.eval.run.RunOptions;
import dev.dycoke4j.eval.run.RunSummary;
import dev.dycoke4j.eval.CacheFiles;
import dev.dycoke4j.eval.data.DataLocation;
import dev.dycoke4j.eval.data.DatasetDownload;
import dev.dycoke4j.eval.data.EvalDatasets;
import dev.dycoke4j.eval.data.MissingVideos;
import dev.dycoke4j.eval.data.MissingVideosException;
import dev.dycoke4j.eval.data.VideoArchives;
import dev.dycoke4j.eval.run.SamplesFile;
import dev.dycoke4j.hub.DownloadOptions;
import dev.dycoke4j.video.VideoReader;
import dev.dycoke4j.hub.ModelFiles;
import dev.dycoke4j.pipeline.VideoQa;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code dycoke eval run}: every task in every cell (method at budget) over the samples, predictions appended to
 * {@code OUT/predictions.jsonl} as they finish (a restart resumes), then {@code results.json}, {@code results.md} and
 * a plot per task in {@code OUT}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run tasks with every method at every budget, resumably, and score them as DyCoke's lmms-eval copy does.")
final class EvalRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    PoolingHeadOptions poolingHead;

    @Option(names = "--samples", paramLabel = "FILE.jsonl",
            description = "Instead of the tasks' datasets: the samples, one JSON object a line: task, doc_id, doc (the dataset row), video (a path, relative to the file's folder).")
    Path samplesFile;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "A folder laid out as lmms-eval's cache (HF_HOME): the extracted videos under each task's cache_dir, the dataset repos under DIR/hub (default: the Hugging Face cache).")
    Path dataDir;

    @Option(names = "--download", description = "First download each task's dataset repo into the hub cache and extract its videos, as lmms-eval does (--offline: from the cache only).")
    boolean download;

    @Option(names = "--skip-missing", description = "Run the samples whose video is there and skip the others (default: missing videos are an error naming them, per task).")
    boolean skipMissing;

    @Option(names = "--tasks", required = true, paramLabel = "T,T", split = ",",
            description = "The tasks to run (lmms-eval names; mvbench stands for its 20 sub-tasks).")
    List<String> tasks;

    @Option(names = "--methods", paramLabel = "M,M", split = ",", defaultValue = "none,dycoke", completionCandidates = CompressOptions.MethodNames.class,
            description = "Methods (${COMPLETION-CANDIDATES}), each at every ratio; none (every visual token) always runs, as the fidelity reference (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--ratios", paramLabel = "R,R", split = ",", defaultValue = "0.25", description = "Retained ratios of visual tokens (default: ${DEFAULT-VALUE}).")
    List<Double> ratios;

    @Option(names = "--limit", paramLabel = "N", description = "At most the first N samples of each task (by doc id).")
    Integer limit;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The output folder; a folder with predictions from an earlier run is resumed.")
    Path out;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "32", description = "Frames sampled uniformly from each video (default: ${DEFAULT-VALUE}, as lmms-eval's llava_onevision).")
    int frames;

    @Option(names = "--vision-batch", paramLabel = "N", defaultValue = "8", description = "Frames the vision tower encodes together (default: ${DEFAULT-VALUE}).")
    int visionBatch;

    @Option(names = "--mc-scoring", paramLabel = "generate|loglik", defaultValue = "generate",
            description = "Multiple-choice questions: generate and parse (lmms-eval's way), or the option letter of highest log-likelihood after the prompt (default: ${DEFAULT-VALUE}).")
    String mcScoring;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "A cap on the tasks' own max_new_tokens, for quick runs (default: the tasks' settings).")
    Integer maxNewTokens;

    @Mixin
    CompressOptions compress;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Run on Apache Spark: local[N] in this process, a cluster's master URL, or submit (the master spark-submit set). Each executor loads the model once; the predictions and results are the same as without it.")
    String spark;

    @Option(names = "--json", description = "Print results.json on standard output (the progress and problems go to standard error).")
    boolean json;

    @Mixin
    CacheOptions caches;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (frames < 1) throw new UsageException("--frames must be at least 1, got " + frames);
        if (visionBatch < 1) throw new UsageException("--vision-batch must be at least 1, got " + visionBatch);
        if (limit != null && limit < 1) throw new UsageException("--limit must be at least 1, got " + limit);
        if (maxNewTokens != null && maxNewTokens < 1) throw new UsageException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        for (double r : ratios) if (!(r > 0 && r <= 1)) throw new UsageException("--ratios must be in (0, 1], got " + r);
        McScoring scoring;
        try {
            scoring = McScoring.of(mcScoring);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--mc-scoring takes generate or loglik; got '" + mcScoring + "'");
        }
        Set<String> wanted = taskNames(tasks);
        List<Cell> cells = new ArrayList<>();
        for (String name : methods) {
            MethodSpec m = CompressOptions.spec(name, "--methods");
            if (name.equals("none")) cells.add(Cell.none());
            else for (double r : ratios) cells.add(new Cell(m.name(), r, compress.method(m.name(), "--methods", r)));
        }
        if (Files.exists(this.out) && !Files.isDirectory(this.out)) throw new UsageException(this.out + ": --out is not a directory");
        List<EvalSample> samples;
        CacheFiles files = null;
        if (samplesFile != null) {
            if (dataDir != null || download || skipMissing) throw new UsageException("--samples takes the place of --data-dir, --download and --skip-missing");
            samples = select(SamplesFile.read(samplesFile), wanted);
        } else {
            DataLocation where = dataDir != null ? DataLocation.dataDir(dataDir) : DataLocation.from(Main.env(spec), Path.of(System.getProperty("user.home")));
            EvalDatasets datasets = new EvalDatasets(where);
            if (download) {
                DatasetDownload d = new DatasetDownload(model.hub.env(Main.env(spec)), where, DownloadOptions.defaults(),
                        new PullProgress(new ProgressBar(System.err), err));
                for (String t : wanted) {
                    VideoArchives.Extracted x = d.prepare(t);
                    err.println("dycoke eval: " + t + ": dataset ready; " + x.written() + " video files extracted, " + x.skipped() + " already there");
                }
            }
            try {
                samples = limit(datasets.samples(List.copyOf(wanted), skipMissing));
            } catch (MissingVideosException e) {
                throw new IllegalArgumentException("videos missing: " + e.missing().stream().map(MissingVideos::describe).collect(java.util.stream.Collectors.joining("; "))
                        + "; extract the datasets' video archives into the data folder (or use --download), or run with --skip-missing");
            }
            files = spark != null ? null : datasets.cacheFiles(EvalRunCommand::probe);
        }
        ProgressBar bar = new ProgressBar(System.err);
        RunOptions opts = new RunOptions(frames, visionBatch, scoring, maxNewTokens, files);
        if (spark != null) {
            if (caches.dir != null) throw new UsageException("--cache-dir is not used with --spark (each executor keeps its caches in memory)");
            DistributedRun engine = DistributedRuns.find("spark", "--spark");
            RunSummary s = engine.run(new DistributedRun.Request(spark, model.resolve(ModelFiles.Need.MODEL), weights.options(err), common.threads, cells, opts, this.out),
                    samples, listener(bar, err));
            finish(s, bar, out, err);
            return 0;
        }
        // with SigLIP's pooling head (--pooling-head, the model's folder or the Hub) when a cell needs the frame signals (fastvid)
        var signals = cells.stream().map(Cell::compression).filter(c -> c.needsFrameSignals()).findFirst().orElse(dev.dycoke4j.compress.CompressionMethods.none());
        try (VideoQa qa = Prologue.load(model, weights, poolingHead, signals)) {
            qa.progress(VideoQa.Progress.NONE);
            caches.apply(qa);
            EvalRunner runner = new EvalRunner(qa, cells, opts, this.out, listener(bar, err));
            finish(runner.run(samples), bar, out, err);
        }
        return 0;
    }

    /** The progress bar per cell with its ETA, and the problems, on standard error. */
    private static RunListener listener(ProgressBar bar, PrintWriter err) {
        long t0 = System.nanoTime();
        Map<String, Integer> startDone = new HashMap<>();
        return new RunListener() {
            @Override
            public void progress(Cell cell, int done, int total) {
                Integer first = startDone.putIfAbsent(cell.id(), done);
                int fresh = done - (first == null ? done : first);
                double elapsed = (System.nanoTime() - t0) / 1e9;
                bar.eta("eval " + cell.id(), done, total, fresh > 0 ? elapsed / fresh * (total - done) : Double.NaN);
            }

            @Override
            public void problem(String line) {
                bar.clear();
                err.println("dycoke eval: " + line);
                err.flush();
            }
        };
    }

    private void finish(RunSummary s, ProgressBar bar, PrintWriter out, PrintWriter err) throws java.io.IOException {
        bar.clear();
        err.println("dycoke eval: " + s.predicted() + " predictions made, " + s.resumed() + " already there; " + s.videosEncoded() + " videos encoded, "
                + s.videosCached() + " from the cache; " + s.failures().size() + " samples could not run; results in " + this.out.resolve(Report.RESULTS));
        err.flush();
        if (json) out.println(new ObjectMapper().readTree(this.out.resolve(Report.RESULTS).toFile()).toPrettyString());
        else Files.readAllLines(this.out.resolve(Report.TABLE)).forEach(out::println);
        out.flush();
    }

    /** The task names, each checked; {@code mvbench} stands for its sub-tasks. */
    static Set<String> taskNames(List<String> given) {
        Set<String> out = new LinkedHashSet<>();
        for (String t : given) {
            if (t.equals("mvbench")) {
                for (String sub : MvBench.SUB_TASKS) out.add("mvbench_" + sub);
                continue;
            }
            try {
                Tasks.get(t);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--tasks: " + e.getMessage());
            }
            out.add(t);
        }
        return out;
    }

    /** At most {@code --limit} samples of each task, the lowest doc ids. */
    private List<EvalSample> limit(List<EvalSample> all) {
        if (limit == null) return all;
        Map<String, Integer> taken = new HashMap<>();
        List<EvalSample> out = new ArrayList<>();
        for (EvalSample s : all.stream().sorted(java.util.Comparator.comparingInt(EvalSample::docId)).toList())
            if (taken.merge(s.task(), 1, Integer::sum) <= limit) out.add(s);
        return out;
    }

    /** A video's frame rate and frame count as OpenCV reads them through FFmpeg; 0 and 0 for a file that does not open, as OpenCV. */
    static CacheFiles.VideoProbe probe(Path video) {
        try {
            VideoReader.Info i = VideoReader.info(video);
            return new CacheFiles.VideoProbe(i.fps(), i.frames());
        } catch (RuntimeException e) {
            return new CacheFiles.VideoProbe(0, 0);
        }
    }

    /** The samples of the wanted tasks, at most {@code --limit} per task (the lowest doc ids); a wanted task without samples is an error. */
    private List<EvalSample> select(List<EvalSample> all, Set<String> wanted) {
        Map<String, List<EvalSample>> byTask = new HashMap<>();
        for (EvalSample s : all) {
            if (!Tasks.names().contains(s.task())) throw new IllegalArgumentException(samplesFile + ": unknown task '" + s.task() + "' (doc " + s.docId() + ")");
            if (wanted.contains(s.task())) byTask.computeIfAbsent(s.task(), t -> new ArrayList<>()).add(s);
        }
        List<EvalSample> out = new ArrayList<>();
        for (String t : wanted) {
            List<EvalSample> l = byTask.get(t);
            if (l == null) {
                if (t.startsWith("mvbench_") && tasks.contains("mvbench")) continue;
                throw new IllegalArgumentException(samplesFile + ": no samples of task " + t);
            }
            l.sort(java.util.Comparator.comparingInt(EvalSample::docId));
            out.addAll(limit == null ? l : l.subList(0, Math.min(limit, l.size())));
        }
        return out;
    }
}
