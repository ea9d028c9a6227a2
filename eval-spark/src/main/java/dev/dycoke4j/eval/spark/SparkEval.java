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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code dycoke eval run --spark MASTER}. The driver reads the predictions (resume), groups the samples by video and
 * sends only the videos with something pending, each as one element of its own partition; the executors answer them
 * ({@link AnswerPartition}); the driver appends the lines in the in-process run's order (videos in the order of their
 * first sample) and scores with {@link Report}. The videos go out in waves of twice the cluster's parallelism, each
 * appended as soon as it is back, so a killed driver loses at most one wave.
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
            List<VideoTask> pending = new ArrayList<>();
            int index = 0;
            for (List<EvalSample> g : groups.values()) {
                List<String> done = new ArrayList<>();
                boolean any = false;
                for (EvalSample s : g)
                    for (Cell c : cells) {
                        String k = JsonLog.key(s.task(), s.docId(), c.id());
                        if (log.has(k)) done.add(k);
                        else any = true;
                    }
                if (any) pending.add(VideoTask.of(index, g, done));
                index++;
            }
            if (!pending.isEmpty()) {
                boolean existed = SparkSession.getDefaultSession().isDefined();
                SparkSession.Builder b = SparkSession.builder().appName("dycoke eval");
                if (!r.master().equals(SUBMIT)) b = b.master(r.master());
                SparkSession session = b.getOrCreate();
                try {
                    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
                    int wave = Math.max(1, 2 * jsc.defaultParallelism());
                    for (int from = 0; from < pending.size(); from += wave) {
                        List<VideoTask> part = pending.subList(from, Math.min(pending.size(), from + wave));
                        List<VideoResult> back;
                        try {
                            back = new ArrayList<>(jsc.parallelize(new ArrayList<>(part), part.size()).mapPartitions(new AnswerPartition(spec)).collect());
                        } catch (RuntimeException e) {
                            throw new IllegalStateException("the Spark job failed (" + rootMessage(e) + "); the answers of earlier waves are kept in "
                                    + log.file(), e);
                        }
                        back.sort(Comparator.comparingInt(VideoResult::index));
                        for (VideoResult v : back) {
                            for (String text : v.lines()) {
                                ObjectNode line = (ObjectNode) VideoTask.JSON.readTree(text);
                                log.append(line);
                                predicted++;
                                Cell c = byId.get(line.path("cell").asText());
                                int[] pr = progress.get(c.id());
                                pr[0]++;
                                l.progress(c, pr[0], pr[1]);
                                l.predicted(c, line.path("task").asText(), line.path("doc_id").asInt());
                            }
                            for (VideoResult.Failure f : v.failures()) {
                                l.problem(f.problem());
                                failures.add(new RunSummary.Failure(f.task(), f.docId(), f.video(), f.problem()));
                            }
                            for (var u : v.unreachable().entrySet())
                                if (unreachable.putIfAbsent(u.getKey(), u.getValue()) == null)
                                    l.problem(u.getKey() + ": cannot run on this model or at this budget (" + u.getValue() + "); the cell is skipped");
                            if (v.encoded()) encoded++;
                            else if (v.cached()) cached++;
                        }
                    }
                } finally {
                    if (!existed) session.stop();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RunSummary summary = new RunSummary(predicted, resumed, dropped, encoded, cached, List.copyOf(failures), Map.copyOf(unreachable));
        Report.write(r.out(), EvalRunner.runInfo(r.model().toString(), cells, r.opts(), summary));
        return summary;
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        String m = c.getMessage();
        String first = m == null ? c.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
        return t == c ? first : c.getClass().getSimpleName() + ": " + first;
    }
}
