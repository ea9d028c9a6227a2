package dev.dycoke4j.eval.spark;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.eval.CacheFiles;
import dev.dycoke4j.eval.run.Cell;
import dev.dycoke4j.eval.run.McScoring;
import dev.dycoke4j.eval.run.RunOptions;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.pipeline.LoadOptions;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What every executor needs to answer, in plain serializable values (the engine's own option types hold methods and
 * callbacks, which do not travel): the model and how to load it, the cells as their methods' option text, the run's
 * options. The model is keyed by {@link #modelKey} in each executor JVM.
 */
record WorkerSpec(String model, String weights, boolean cacheWeights, String cacheDir, String kvCache, Integer threads, List<CellSpec> cells,
                  int frames, int visionBatch, String mcScoring, Integer maxNewTokens) implements Serializable {

    /** One cell: its name and ratio, and its method's registry name and options text, which rebuild it. */
    record CellSpec(String method, Double ratio, String compression, LinkedHashMap<String, String> options) implements Serializable {
    }

    static WorkerSpec of(Path model, LoadOptions load, Integer threads, List<Cell> cells, RunOptions opts) {
        if (opts.files() != CacheFiles.NONE) throw new IllegalArgumentException("a Spark run cannot read files below lmms-eval's cache (the runOptions' files); leave them out");
        List<CellSpec> cs = new ArrayList<>();
        for (Cell c : cells) cs.add(new CellSpec(c.method(), c.ratio(), c.compression().name(), new LinkedHashMap<>(c.compression().options())));
        return new WorkerSpec(model.toAbsolutePath().normalize().toString(), load.weights().id(), load.cacheWeights(),
                load.cacheDir() == null ? null : load.cacheDir().toString(), load.kvCache().name(), threads, List.copyOf(cs),
                opts.frames(), opts.visionBatch(), opts.mcScoring().id(), opts.maxNewTokens());
    }

    LoadOptions load() {
        return new LoadOptions(LoadOptions.WeightFormat.parse(weights), cacheWeights, cacheDir == null ? null : Path.of(cacheDir), null,
                KvCache.Precision.valueOf(kvCache));
    }

    /** The model and the load options that change its weights or caches: one loaded model per key and JVM. */
    String modelKey() {
        return model + '\u0000' + weights + '\u0000' + cacheWeights + '\u0000' + cacheDir + '\u0000' + kvCache;
    }

    List<Cell> cellList() {
        List<Cell> out = new ArrayList<>();
        for (CellSpec c : cells)
            out.add(c.compression().equals("none") ? Cell.none() : new Cell(c.method(), c.ratio(), CompressionMethods.parse(c.compression(), c.options())));
        return out;
    }

    RunOptions options() {
        return new RunOptions(frames, visionBatch, McScoring.of(mcScoring), maxNewTokens, CacheFiles.NONE);
    }
}
