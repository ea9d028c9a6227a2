package dev.dycoke4j.eval.data;

/**
 * Evaluation data that cannot be used: a missing dataset file, a row without a field the task needs, an unknown task,
 * a corrupt or unsafe archive. The message is one line naming the file (and row) and the problem.
 */
public class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
