package dev.dycoke4j.eval;

import java.util.List;

/** A Python tuple in the value model (written to JSON as an array, as {@code json.dumps} does). */
public record PyTuple(List<Object> items) {
}
