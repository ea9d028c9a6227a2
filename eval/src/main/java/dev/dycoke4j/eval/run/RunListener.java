package dev.dycoke4j.eval.run;

/** What a run tells its caller as it goes. The default methods ignore it. */
public interface RunListener {
    /** Cell {@code cell} has {@code done} of its {@code total} samples (those from an earlier run included). */
    default void progress(Cell cell, int done, int total) {
    }

    /** A prediction was appended (durably) for {@code task}'s document {@code docId} in {@code cell}. */
    default void predicted(Cell cell, String task, int docId) {
    }

    /** One line about a sample or video that could not run (it names them), or a cell that cannot. */
    default void problem(String line) {
    }

    RunListener NONE = new RunListener() {
    };
}
