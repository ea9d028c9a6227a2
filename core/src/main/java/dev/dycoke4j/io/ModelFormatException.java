package dev.dycoke4j.io;

/**
 * A checkpoint, config or tokenizer file that cannot be used. The message is one line that names the file and the
 * problem, fit to show a user as it is.
 */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
