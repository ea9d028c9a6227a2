package dev.dycoke4j.eval.run;

import dev.dycoke4j.eval.CacheFiles;

import java.util.Objects;

/**
 * How a run answers.
 *
 * @param frames       frames sampled uniformly from each video (lmms-eval's {@code max_frames_num}, 32)
 * @param visionBatch  frames the vision tower encodes together
 * @param mcScoring    how multiple-choice questions are answered
 * @param maxNewTokens a cap on the tasks' own {@code max_new_tokens} (quick runs), or null for the tasks' settings
 * @param files        the files below lmms-eval's cache that some prompts read (Video-MME's subtitles)
 */
public record RunOptions(int frames, int visionBatch, McScoring mcScoring, Integer maxNewTokens, CacheFiles files) {
    /** lmms-eval's {@code llava_onevision} default. */
    public static final int DEFAULT_FRAMES = 32;

    public RunOptions {
        if (frames < 1) throw new IllegalArgumentException("frames must be at least 1, got " + frames);
        if (visionBatch < 1) throw new IllegalArgumentException("vision batch must be at least 1, got " + visionBatch);
        Objects.requireNonNull(mcScoring, "mcScoring");
        if (maxNewTokens != null && maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be at least 1, got " + maxNewTokens);
        if (files == null) files = CacheFiles.NONE;
    }

    /** {@code frames} frames, generated answers, the tasks' generation settings. */
    public static RunOptions of(int frames) {
        return new RunOptions(frames, 8, McScoring.GENERATE, null, CacheFiles.NONE);
    }

    public RunOptions withMcScoring(McScoring m) {
        return new RunOptions(frames, visionBatch, m, maxNewTokens, files);
    }

    public RunOptions withMaxNewTokens(Integer n) {
        return new RunOptions(frames, visionBatch, mcScoring, n, files);
    }
}
