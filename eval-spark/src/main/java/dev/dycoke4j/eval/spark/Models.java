package dev.dycoke4j.eval.spark;

import dev.dycoke4j.pipeline.VideoQa;

import java.util.HashMap;
import java.util.Map;

/**
 * The models loaded in this JVM, one per {@link WorkerSpec#modelKey}, loaded on first use and kept for the JVM's life:
 * an executor loads its model once, however many tasks it runs. Engine calls are serialized on the model
 * ({@code synchronized}): it uses every engine thread itself, so one task at a time per executor is the intended
 * shape ({@code spark.task.cpus} = executor cores).
 */
final class Models {
    private static final Map<String, VideoQa> LOADED = new HashMap<>();

    private Models() {
    }

    static synchronized VideoQa get(WorkerSpec spec) {
        return LOADED.computeIfAbsent(spec.modelKey(), k -> {
            VideoQa qa = VideoQa.load(java.nio.file.Path.of(spec.model()), spec.load());
            qa.progress(VideoQa.Progress.NONE);
            return qa;
        });
    }
}
