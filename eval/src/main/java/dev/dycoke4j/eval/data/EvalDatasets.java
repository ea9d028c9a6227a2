package dev.dycoke4j.eval.data;

import dev.dycoke4j.eval.CacheFiles;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads the tasks' documents as lmms-eval does: the data files of the task's config and split, from the dataset repo's
 * snapshot in the hub cache, concatenated in sorted path order, each document's doc id its index (none of these tasks
 * has a {@code process_docs}); and each document's video found below {@code HF_HOME} by the task's
 * {@code doc_to_visual}.
 */
public final class EvalDatasets {
    private final DataLocation location;

    public EvalDatasets(DataLocation location) {
        this.location = location;
    }

    public DataLocation location() {
        return location;
    }

    /** The task's documents, each with its video or null, and the report of the missing ones. */
    public TaskSamples load(String task) {
        DatasetSpec spec = DatasetSpecs.of(task);
        Path snapshot = location.snapshot(spec.repo());
        if (snapshot == null)
            throw new DataException(task + ": the dataset " + spec.repo() + " is not in the Hugging Face cache " + location.hubCache()
                    + " (no " + DataLocation.ref(spec.repo()).folder() + "/snapshots/...); download it first");
        List<EvalSample> samples = new ArrayList<>();
        List<String> missingIds = new ArrayList<>();
        int missing = 0;
        for (Path file : dataFiles(spec, snapshot)) {
            for (Map<String, Object> doc : Rows.read(file, new Rows.Need(task, spec.fields()))) {
                Path video = video(spec, doc);
                if (video == null) {
                    missing++;
                    if (missingIds.size() < MissingVideos.FIRST) missingIds.add(String.valueOf(doc.get(spec.videoField())));
                }
                samples.add(new EvalSample(task, samples.size(), Collections.unmodifiableMap(doc), video));
            }
        }
        return new TaskSamples(task, samples, new MissingVideos(task, missing, samples.size(), missingIds));
    }

    /**
     * The documents of every task, in order. Missing videos are a {@link MissingVideosException} reporting every task
     * that has some, unless {@code skipMissing}, which leaves those documents out (the others keep their doc ids).
     */
    public List<EvalSample> samples(List<String> tasks, boolean skipMissing) {
        List<EvalSample> out = new ArrayList<>();
        List<MissingVideos> missing = new ArrayList<>();
        for (String t : tasks) {
            TaskSamples ts = load(t);
            if (ts.missing().count() > 0) missing.add(ts.missing());
            out.addAll(skipMissing ? ts.present() : ts.samples());
        }
        if (!skipMissing && !missing.isEmpty()) throw new MissingVideosException(missing);
        return out;
    }

    /** The files some prompts read (Video-MME's subtitles and videos, LongVideoBench's subtitles), below {@code HF_HOME}. */
    public CacheFiles cacheFiles(VideoProber prober) {
        return new FolderCacheFiles(location.hfHome(), prober);
    }

    /** The first existing candidate of the task's {@code doc_to_visual}, or null. */
    private Path video(DatasetSpec spec, Map<String, Object> doc) {
        for (String c : spec.videos().candidates(doc)) {
            Path p = location.hfHome().resolve(c).normalize();
            if (Files.exists(p)) return p;
        }
        return null;
    }

    /** The files of the first pattern that matches any, sorted; none is a {@link DataException} naming what was looked for. */
    static List<Path> dataFiles(DatasetSpec spec, Path snapshot) {
        List<String> all;
        try (Stream<Path> s = Files.walk(snapshot)) {
            all = s.filter(p -> !Files.isDirectory(p)).map(p -> snapshot.relativize(p).toString().replace('\\', '/')).sorted().toList();
        } catch (IOException e) {
            throw new DataException(snapshot + ": cannot list (" + e.getMessage() + ")", e);
        }
        for (String glob : spec.dataFiles()) {
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            List<Path> hits = all.stream().filter(f -> m.matches(Path.of(f))).map(snapshot::resolve).toList();
            if (!hits.isEmpty()) return hits;
        }
        throw new DataException(snapshot + ": no data file for " + spec.task() + " (config " + (spec.config() == null ? "default" : spec.config())
                + ", split " + spec.split() + "; expected " + spec.dataFiles().getFirst() + ")");
    }
}
