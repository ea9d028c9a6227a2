package dev.dycoke4j.eval.data;

import java.util.List;
import java.util.Objects;

/**
 * Where a task's documents and videos come from, as its lmms-eval YAML says: the Hugging Face dataset repo
 * ({@code dataset_path}), its config ({@code dataset_name}, null for the default) and split ({@code test_split}), the
 * folder below {@code HF_HOME} that its video archives are extracted into ({@code dataset_kwargs.cache_dir}); the data
 * files of that config and split as globs relative to the repo, tried in order (the first that matches any file wins);
 * the fields the task's functions read from every document; the field that names the video (for reports); and the
 * task's {@code doc_to_visual}.
 */
public record DatasetSpec(String task, String repo, String config, String split, String cacheDir, List<String> dataFiles,
                          List<String> fields, String videoField, VideoLocator videos) {
    public DatasetSpec {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(cacheDir, "cacheDir");
        dataFiles = List.copyOf(dataFiles);
        fields = List.copyOf(fields);
        Objects.requireNonNull(videoField, "videoField");
        Objects.requireNonNull(videos, "videos");
    }
}
