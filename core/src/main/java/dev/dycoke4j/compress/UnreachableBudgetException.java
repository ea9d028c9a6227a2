package dev.dycoke4j.compress;

/** A method can't run at the token budget asked of it (DyCoke's TTM keeps its reference frames whole). */
public final class UnreachableBudgetException extends IllegalArgumentException {
    public UnreachableBudgetException(String message) {
        super(message);
    }
}
