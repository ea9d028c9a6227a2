package dev.dycoke4j.eval;

/**
 * An error the original Python code would raise, named by its Python exception type ({@code KeyError},
 * {@code ZeroDivisionError}, ...), so that callers can report exactly what lmms-eval would have failed with.
 */
public final class PyError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String type;

    public PyError(String type, String message) {
        super(type + ": " + message);
        this.type = type;
    }

    /** The Python exception type, e.g. {@code KeyError}. */
    public String type() {
        return type;
    }
}
