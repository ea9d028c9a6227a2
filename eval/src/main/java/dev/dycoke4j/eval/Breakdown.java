package dev.dycoke4j.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The per-category scores an aggregation of DyCoke's lmms-eval copy logs besides the one score it returns (Video-MME
 * by duration, domain, sub-category and task type; LongVideoBench by duration group and question category), with the
 * copy's category names, order and rounding.
 *
 * @param dimensions each breakdown's name (e.g. {@code duration}) to its categories, in the copy's order
 */
public record Breakdown(Map<String, Map<String, Group>> dimensions) {
    /**
     * One category.
     *
     * @param score the score as the copy logs it (its rounding)
     * @param n     the documents counted in it
     */
    public record Group(double score, long n) {
    }

    public Breakdown {
        Map<String, Map<String, Group>> copy = new LinkedHashMap<>();
        for (var e : Objects.requireNonNull(dimensions, "dimensions").entrySet())
            copy.put(e.getKey(), java.util.Collections.unmodifiableMap(new LinkedHashMap<>(e.getValue())));
        dimensions = java.util.Collections.unmodifiableMap(copy);
    }
}
