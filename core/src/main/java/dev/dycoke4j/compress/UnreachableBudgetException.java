package dev.dycoke4j.compress;

import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * A method can't run at the token budget asked of it (DyCoke's TTM keeps its reference frames whole): the
 * {@code ratio} option is too small. The message names the smallest count it can keep and the options that would help.
 */
public final class UnreachableBudgetException extends InvalidOptionException {
    private final int budget, total, frames, minimum;
    private final Ttm.Windows windows;

    /**
     * @param budget  the tokens asked for, of {@code total} pooled ones over {@code frames} frames
     * @param minimum the fewest TTM keeps with {@code windows}
     */
    public UnreachableBudgetException(int budget, int total, int frames, int minimum, Ttm.Windows windows) {
        super("ratio", "is below the " + minimum + " of " + total + " tokens DyCoke's TTM keeps at least");
        this.budget = budget;
        this.total = total;
        this.frames = frames;
        this.minimum = minimum;
        this.windows = windows;
    }

    @Override
    public String message(UnaryOperator<String> spell) {
        return String.format(Locale.ROOT,
                "DyCoke's TTM can't keep only %d of %d visual tokens at %d frames: it keeps its reference frames whole, at least %d tokens (%.1f%%) with %s %s; use a larger %s%s",
                budget, total, frames, minimum, 100.0 * minimum / total, spell.apply("ttm_windows"), OptionReader.text(windows), spell.apply("ratio"),
                windows == Ttm.Windows.OFFICIAL ? " or " + spell.apply("ttm_windows") + " full" : "");
    }
}
