package dev.dycoke4j.eval.run;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.NoneMethod;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;

/**
 * One method at one budget: a column of the results. {@code none} has no budget (every visual token).
 *
 * @param method      the method's registry name
 * @param ratio       the retained ratio of visual tokens, or null for {@code none}
 * @param compression the method with its settings
 */
public record Cell(String method, Double ratio, CompressionMethod compression) {
    public Cell {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(compression, "compression");
    }

    /** The method {@code name} at retained ratio {@code ratio} (ignored for {@code none}), with the paper's other defaults. */
    public static Cell of(String name, double ratio) {
        if (name.equals("none")) return none();
        return new Cell(name, ratio, CompressionMethods.parse(name, Map.of("ratio", Double.toString(ratio))));
    }

    /** The reference: no compression. */
    public static Cell none() {
        return new Cell("none", null, CompressionMethods.none());
    }

    /** Whether this is the uncompressed reference. */
    public boolean isNone() {
        return compression instanceof NoneMethod;
    }

    /** {@code method@ratio}, or the method alone without a ratio: the cell's key in predictions and results. */
    public String id() {
        return ratio == null ? method : method + "@" + text(ratio);
    }

    static String text(double r) {
        return BigDecimal.valueOf(r).stripTrailingZeros().toPlainString();
    }
}
