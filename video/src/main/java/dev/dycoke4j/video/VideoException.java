package dev.dycoke4j.video;

/**
 * A video or frame folder that cannot be read: missing, unreadable, not a video, corrupt, without decodable frames,
 * or asked for a bad number of frames. The message is one line that names the file and the problem.
 */
public class VideoException extends RuntimeException {
    public VideoException(String message) {
        super(message);
    }

    public VideoException(String message, Throwable cause) {
        super(message, cause);
    }
}
