package dev.dycoke4j.eval.run;

import dev.dycoke4j.eval.data.EvalSample;
import dev.dycoke4j.pipeline.LoadOptions;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The work of {@link EvalRunner#run} spread over a cluster engine, found with {@link java.util.ServiceLoader} so that
 * the harness and the CLI never depend on that engine: it lives in its own module ({@code eval-spark}: {@code spark})
 * and is there only when that module's jars are on the class path. The output folder is the same as an in-process
 * run's (same predictions, same order, same resume), scored by {@link Report}.
 */
public interface DistributedRun {
    /** What the engine is called on the command line, e.g. {@code spark}. */
    String name();

    /**
     * What to run.
     *
     * @param master where to run (for Spark: {@code local[N]}, a cluster URL, or {@code submit} for what
     *               {@code spark-submit} set)
     * @param model  the checkpoint directory, as every worker sees it (a shared path, or the same HF cache path)
     * @param load   how each worker loads it (its {@code notes} stay on the worker)
     * @param threads the engine threads of each worker, or null for the engine's default (for Spark: the task's
     *                {@code spark.task.cpus} when above 1, else the JVM's cores)
     * @param cells  the methods at their budgets ({@code none} is added first when missing)
     * @param out    the output folder, resumed like an in-process run's
     */
    record Request(String master, Path model, LoadOptions load, Integer threads, List<Cell> cells, RunOptions opts, Path out) {
        public Request {
            Objects.requireNonNull(master, "master");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(load, "load");
            if (threads != null && threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            cells = List.copyOf(cells);
            Objects.requireNonNull(opts, "opts");
            Objects.requireNonNull(out, "out");
        }
    }

    /**
     * Answers every sample in every cell not already in the predictions, appends the answers on this (the driving)
     * process, then writes the results.
     *
     * @throws IllegalArgumentException for a sample of an unknown task, before anything runs
     */
    RunSummary run(Request request, List<EvalSample> samples, RunListener listener);
}
