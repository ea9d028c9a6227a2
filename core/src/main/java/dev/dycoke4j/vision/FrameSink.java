package dev.dycoke4j.vision;

/**
 * Receives sampled frames while a source is still decoding, before the source knows that its sampling is final (a
 * video's real frame count is only known once every frame has decoded). Whatever the source returns at the end is what
 * counts; the frames seen here are an early look at it.
 */
public interface FrameSink {
    /** Called once, before any frame: how many frames should follow (0 when the source cannot tell before the end). */
    void expect(int frames);

    /** The next frame, in order. */
    void accept(RgbFrame frame);

    /** A sink that ignores everything. */
    FrameSink NONE = new FrameSink() {
        @Override
        public void expect(int frames) {
        }

        @Override
        public void accept(RgbFrame frame) {
        }
    };
}
