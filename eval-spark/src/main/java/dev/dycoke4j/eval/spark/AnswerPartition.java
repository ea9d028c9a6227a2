package dev.dycoke4j.eval.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.eval.run.EvalRunner;
import dev.dycoke4j.eval.run.RunSummary;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.parallel.Parallel;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The executor's side: answers each video of its partition with this JVM's model, as an in-process run would, skipping
 * the cells the driver already knows cannot run (as an in-process run skips them after the video that found it).
 */
final class AnswerPartition implements FlatMapFunction<Iterator<VideoTask>, VideoResult> {
    private static final long serialVersionUID = 1L;

    private final WorkerSpec spec;
    private final LinkedHashMap<String, String> known;

    /** @param known the cells known unable to run, cell id to why */
    AnswerPartition(WorkerSpec spec, Map<String, String> known) {
        this.spec = spec;
        this.known = new LinkedHashMap<>(known);
    }

    @Override
    public Iterator<VideoResult> call(Iterator<VideoTask> tasks) {
        VideoQa qa = Models.get(spec);
        List<VideoResult> out = new ArrayList<>();
        synchronized (qa) {
            threads();
            EvalRunner runner = EvalRunner.worker(qa, spec.cellList(), spec.options());
            while (tasks.hasNext()) {
                VideoTask t = tasks.next();
                EvalRunner.VideoAnswers a = runner.answerVideo(t.sampleList(), new HashSet<>(t.done()), known);
                List<String> lines = new ArrayList<>();
                for (ObjectNode l : a.lines()) {
                    try {
                        lines.add(VideoTask.JSON.writeValueAsString(l));
                    } catch (JsonProcessingException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                List<VideoResult.Failure> failures = new ArrayList<>();
                for (RunSummary.Failure f : a.failures()) failures.add(new VideoResult.Failure(f.task(), f.docId(), f.video(), f.problem()));
                out.add(new VideoResult(t.index(), List.copyOf(lines), List.copyOf(failures), new LinkedHashMap<>(a.unreachable()), List.copyOf(a.problems()), a.encoded(),
                        a.cached()));
            }
        }
        return out.iterator();
    }

    /** The engine's threads: those asked for, else the CPUs Spark gives each task when more than one ({@code spark.task.cpus}). */
    private void threads() {
        TaskContext t = TaskContext.get();
        int cpus = t == null ? 1 : t.cpus();
        Integer n = spec.threads() != null ? spec.threads() : cpus > 1 ? Integer.valueOf(cpus) : null;
        if (n != null && Parallel.threads() != n) Parallel.setThreads(n);
    }
}
