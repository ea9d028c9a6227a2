package dev.dycoke4j.compress;

import java.util.function.UnaryOperator;

/**
 * A compression method's option with a bad value, named by its key ({@code dp_l}, {@code ratio}, ...): the message is
 * the key and the problem, "dp_l 40 is outside 1..23 for this 24-layer model". A front end that spells options its own
 * way (a CLI's {@code --dp-l}) renders the message with {@link #message(UnaryOperator)}.
 */
public class InvalidOptionException extends IllegalArgumentException {
    private final String key;
    private final String problem;

    /** @param problem what is wrong, phrased to follow the key ("must be in [0, 1), got 1.5") */
    public InvalidOptionException(String key, String problem) {
        this.key = java.util.Objects.requireNonNull(key, "key");
        this.problem = java.util.Objects.requireNonNull(problem, "problem");
    }

    /** The option's key, as a method's options map spells it. */
    public String key() {
        return key;
    }

    /** What is wrong with the value, without the key. */
    public String problem() {
        return problem;
    }

    /** The message with every option key spelled by {@code spell}. */
    public String message(UnaryOperator<String> spell) {
        return spell.apply(key) + " " + problem;
    }

    @Override
    public String getMessage() {
        return message(UnaryOperator.identity());
    }
}
