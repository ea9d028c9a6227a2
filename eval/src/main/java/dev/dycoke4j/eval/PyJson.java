package dev.dycoke4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value model to and from JSON. Ints and floats stay apart ({@code 4} vs {@code 4.0}); a non-finite float is
 * written as {@code {"$float": "inf"}}, {@code "-inf"} or {@code "nan"} (the eval oracle's convention), and read back
 * from it. {@link #dumps} is Python's {@code json.dumps} byte for byte (ASCII escapes, {@code ", "} and {@code ": "}),
 * which is how {@code requests} encodes a judge payload.
 */
public final class PyJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private PyJson() {
    }

    /** A JSON tree as Python values: objects to ordered maps, integers to {@code BigInteger}, decimals to {@code Double}. */
    public static Object fromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        if (n.isObject()) {
            if (n.size() == 1 && n.has("$float") && n.get("$float").isTextual()) {
                return switch (n.get("$float").asText()) {
                    case "inf" -> Double.POSITIVE_INFINITY;
                    case "-inf" -> Double.NEGATIVE_INFINITY;
                    default -> Double.NaN;
                };
            }
            Map<String, Object> m = new LinkedHashMap<>();
            for (var e : n.properties()) m.put(e.getKey(), fromJson(e.getValue()));
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>(n.size());
            for (JsonNode x : n) l.add(fromJson(x));
            return l;
        }
        if (n.isTextual()) return n.textValue();
        if (n.isBoolean()) return n.booleanValue();
        if (n.isIntegralNumber()) return n.bigIntegerValue();
        if (n.isNumber()) return n.doubleValue();
        throw new IllegalArgumentException("unsupported JSON node " + n.getNodeType());
    }

    /** Python values as a JSON tree, as {@code json.dumps} would write them (tuples as arrays, dict keys as strings). */
    public static JsonNode toJson(Object x) {
        return switch (x) {
            case null -> F.nullNode();
            case String s -> F.textNode(s);
            case Boolean b -> F.booleanNode(b);
            case Double d -> Double.isFinite(d) ? F.numberNode(d)
                    : F.objectNode().put("$float", Double.isNaN(d) ? "nan" : d > 0 ? "inf" : "-inf");
            case BigInteger b -> F.numberNode(b);
            case Long l -> F.numberNode(BigInteger.valueOf(l));
            case Integer i -> F.numberNode(BigInteger.valueOf(i));
            case PyTuple t -> toJson(t.items());
            case List<?> l -> {
                ArrayNode a = F.arrayNode();
                for (Object o : l) a.add(toJson(o));
                yield a;
            }
            case Map<?, ?> m -> {
                ObjectNode o = F.objectNode();
                for (var e : m.entrySet()) o.set(key(e.getKey()), toJson(e.getValue()));
                yield o;
            }
            default -> throw new PyError("TypeError", "Object of type " + PyRepr.typeName(x) + " is not JSON serializable");
        };
    }

    /** A dict key as {@code json.dumps} writes it. */
    static String key(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Double d -> Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : PyRepr.reprFloat(d);
            case Number n -> PyRepr.repr(n);
            default -> throw new PyError("TypeError", "keys must be str, int, float, bool or None, not " + PyRepr.typeName(k));
        };
    }

    /** {@code json.dumps(x, allow_nan=False)}: ASCII only, {@code ", "} and {@code ": "} separators, keys in order. */
    public static String dumps(Object x) {
        StringBuilder sb = new StringBuilder();
        dump(sb, x);
        return sb.toString();
    }

    private static void dump(StringBuilder sb, Object x) {
        switch (x) {
            case null -> sb.append("null");
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b ? "true" : "false");
            case Double d -> {
                if (!Double.isFinite(d)) throw new PyError("ValueError", "Out of range float values are not JSON compliant");
                sb.append(PyRepr.reprFloat(d));
            }
            case Number n -> sb.append(PyRepr.repr(n));
            case PyTuple t -> dump(sb, t.items());
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(", ");
                    dump(sb, l.get(i));
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    string(sb, key(e.getKey()));
                    sb.append(": ");
                    dump(sb, e.getValue());
                }
                sb.append('}');
            }
            default -> throw new PyError("TypeError", "Object of type " + PyRepr.typeName(x) + " is not JSON serializable");
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7E) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
