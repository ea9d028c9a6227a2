package dev.dycoke4j.eval;

/**
 * The files below lmms-eval's cache folder ({@code HF_HOME}) that some prompts read: Video-MME's subtitles and the
 * video's frame rate and count, LongVideoBench's subtitle JSON. Paths are relative to {@code HF_HOME}.
 */
public interface CacheFiles {
    /** The text of a file, or null when there is none. */
    String text(String path);

    /** What OpenCV reports for a video: its frame rate and frame count, or null when there is no file there. */
    VideoProbe video(String path);

    /** A video's frames per second and frame count as OpenCV's {@code CAP_PROP_FPS} and {@code CAP_PROP_FRAME_COUNT}. */
    record VideoProbe(double fps, long frameCount) {
    }

    /** No files at all. */
    CacheFiles NONE = new CacheFiles() {
        @Override
        public String text(String path) {
            return null;
        }

        @Override
        public VideoProbe video(String path) {
            return null;
        }
    };
}
