package dev.dycoke4j.eval.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.eval.Tasks;
import dev.dycoke4j.eval.data.EvalSample;
import dev.dycoke4j.eval.run.Cell;
import dev.dycoke4j.eval.run.DistributedRun;
import dev.dycoke4j.eval.run.EvalRunner;
import dev.dycoke4j.eval.run.JsonLog;
import dev.dycoke4j.eval.run.Report;
import dev.dycoke4j.eval.run.RunListener;
import dev.dycoke4j.eval.run.RunSummary;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code dycoke eval run --spark MASTER}. The driver reads the predictions (resume), groups the samples by video and
 * sends only the videos with something pending, each as one element of its own partition; the executors answer them
 * ({@link AnswerPartition}); the driver appends the lines in the in-process run's order (videos in the order of their
 * first sample) and scores with {@link Report}. The first pending video goes alone, so that a cell which cannot run
 * (its budget out of the method's reach) is found once, as in-process, and skipped by the executors from then on; the
 * others go out in waves of twice the cluster's parallelism, each appended as soon as it is back, so a killed driver
 * loses at most one wave.
 */
public final class SparkEval implements DistributedRun {
    /** The master value that takes the one {@code spark-submit} set. */
    public static final String SUBMIT = "submit";

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public RunSummary run(Request r, List<EvalSample> samples, RunListener listener) {
        for (EvalSample s : samples) Tasks.get(s.task());
        RunListener l = listener == null ? RunListener.NONE : listener;
        List<Cell> cells = EvalRunner.withNone(r.cells());
        WorkerSpec spec = WorkerSpec.of(r.model(), r.load(), r.threads(), cells, r.opts());
        Map<String, Cell> byId = new HashMap<>();
        for (Cell c : cells) byId.put(c.id(), c);
        List<RunSummary.Failure> failures = new ArrayList<>();
        Map<String, String> unreachable = new LinkedHashMap<>();
        int predicted = 0, resumed = 0, encoded = 0, cached = 0, dropped;
        try (JsonLog log = JsonLog.open(r.out().resolve(EvalRunner.PREDICTIONS))) {
            dropped = log.droppedPartial();
            if (dropped > 0) l.problem(log.file() + ": the last line was cut off mid-write (a killed run); it was dropped and will be redone");
            Map<Path, List<EvalSample>> groups = EvalRunner.groupByVideo(samples, r.opts(), l, failures);
            Map<String, int[]> progress = new HashMap<>();
            for (Cell c : cells) {
                int done = 0;
                for (List<EvalSample> g : groups.values()) for (EvalSample s : g) if (log.has(JsonLog.key(s.task(), s.docId(), c.id()))) done++;
                progress.put(c.id(), new int[]{done, samples.size()});
                resumed += done;
                l.progress(c, done, samples.size());
            }
            List<Candidate> candidates = new ArrayList<>();
            int index = 0;
            for (List<EvalSample> g : groups.values()) {
                List<String> done = new ArrayList<>();
                Set<String> pendingCells = new HashSet<>();
                for (EvalSample s : g)
                    for (Cell c : cells) {
                        String k = JsonLog.key(s.task(), s.docId(), c.id());
                        if (log.has(k)) done.add(k);
                        else pendingCells.add(c.id());
                    }
                if (!pendingCells.isEmpty()) candidates.add(new Candidate(VideoTask.of(index, g, done), pendingCells));
                index++;
            }
            SparkSession session = null;
            boolean existed = SparkSession.getDefaultSession().isDefined();
            try {
                JavaSparkContext jsc = null;
                int next = 0;
                while (true) {
                    // the first video goes alone: a cell that cannot run (a budget out of the method's reach) is found
                    // there once, as in-process, and the executors skip it on every later video
                    int size = jsc == null ? 1 : Math.max(1, 2 * jsc.defaultParallelism());
                    List<VideoTask> part = new ArrayList<>();
                    while (next < candidates.size() && part.size() < size) {
                        Candidate c = candidates.get(next++);
                        if (!unreachable.keySet().containsAll(c.pendingCells())) part.add(c.task());
                    }
                    if (part.isEmpty()) break;
                    if (jsc == null) {
                        SparkSession.Builder b = SparkSession.builder().appName("dycoke eval");
                        if (!r.master().equals(SUBMIT)) b = b.master(r.master());
                        session = b.getOrCreate();
                        jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
                    }
                    List<VideoResult> back;
                    try {
                        back = new ArrayList<>(jsc.parallelize(new ArrayList<>(part), part.size()).mapPartitions(new AnswerPartition(spec, unreachable)).collect());
                    } catch (RuntimeException e) {
                        throw new IllegalStateException("the Spark job failed (" + rootMessage(e) + "); the answers of earlier waves are kept in "
                                + log.file(), e);
                    }
                    back.sort(Comparator.comparingInt(VideoResult::index));
                    for (VideoResult v : back) {
                        // a cell found unable to run on an earlier video of this wave: the in-process run would have
                        // skipped it here, so its lines and its report are dropped
                        Set<String> before = new HashSet<>(unreachable.keySet());
                        for (String p : v.problems()) if (before.stream().noneMatch(id -> p.startsWith(id + ": cannot run "))) l.problem(p);
                        for (String text : v.lines()) {
                            ObjectNode line = (ObjectNode) VideoTask.JSON.readTree(text);
                            Cell c = byId.get(line.path("cell").asText());
                            if (before.contains(c.id())) continue;
                            log.append(line);
                            predicted++;
                            int[] pr = progress.get(c.id());
                            pr[0]++;
                            l.progress(c, pr[0], pr[1]);
                            l.predicted(c, line.path("task").asText(), line.path("doc_id").asInt());
                        }
                        for (VideoResult.Failure f : v.failures()) failures.add(new RunSummary.Failure(f.task(), f.docId(), f.video(), f.problem()));
                        v.unreachable().forEach(unreachable::putIfAbsent);
                        if (v.encoded()) encoded++;
                        else if (v.cached()) cached++;
                    }
                }
            } finally {
                if (session != null && !existed) session.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RunSummary summary = new RunSummary(predicted, resumed, dropped, encoded, cached, List.copyOf(failures), Map.copyOf(unreachable));
        Report.write(r.out(), EvalRunner.runInfo(r.model().toString(), cells, r.opts(), summary));
        return summary;
    }

    /** A video's samples with something pending, and the cells pending on it. */
    private record Candidate(VideoTask task, Set<String> pendingCells) {
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        String m = c.getMessage();
        String first = m == null ? c.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
        return t == c ? first : c.getClass().getSimpleName() + ": " + first;
    }
}
