package dev.dycoke4j.eval;

import java.util.List;
import java.util.Map;

/** Python's subscripting and {@code in} on the value model, raising what Python raises. */
final class Doc {
    private Doc() {
    }

    /** {@code d[key]}: KeyError when absent. */
    static Object get(Map<String, Object> d, String key) {
        if (d == null) throw new PyError("TypeError", "'NoneType' object is not subscriptable");
        if (!d.containsKey(key)) throw new PyError("KeyError", PyRepr.reprStr(key));
        return d.get(key);
    }

    /** {@code key in d}: TypeError when {@code d} is None. */
    static boolean has(Map<String, Object> d, String key) {
        if (d == null) throw new PyError("TypeError", "argument of type 'NoneType' is not iterable");
        return d.containsKey(key);
    }

    /** {@code d.get(key)}: None when absent. */
    static Object opt(Map<String, Object> d, String key) {
        return d.get(key);
    }

    /** A value that must be a dict (items of aggregations), else TypeError as subscripting it would raise. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> dict(Object x) {
        if (x instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new PyError("TypeError", "'" + PyRepr.typeName(x) + "' object is not subscriptable");
    }

    /** A value iterated or indexed as Python does: a list, a tuple, a str (its characters) or a dict (its keys). */
    static List<?> list(Object x) {
        if (x instanceof List<?> l) return l;
        if (x instanceof PyTuple t) return t.items();
        if (x instanceof String s) return s.codePoints().mapToObj(Character::toString).toList();
        if (x instanceof Map<?, ?> m) return List.copyOf(m.keySet());
        throw new PyError("TypeError", "'" + PyRepr.typeName(x) + "' object is not iterable");
    }

    /** {@code a += b} for a str {@code b}: concatenation on a str, extension by its characters on a list. */
    static Object iadd(Object a, String b) {
        if (a instanceof String s) return s + b;
        if (a instanceof List<?> l) {
            List<Object> out = new java.util.ArrayList<>(l);
            out.addAll(list(b));
            return out;
        }
        throw new PyError("TypeError", "unsupported operand type(s) for +=: '" + PyRepr.typeName(a) + "' and 'str'");
    }

    /** {@code x[i]} for an int {@code i}: a dict looks the key up (KeyError, JSON keys being strings), a sequence indexes. */
    static Object subscript(Object x, int i) {
        if (x instanceof Map<?, ?>) throw new PyError("KeyError", Integer.toString(i));
        if (x instanceof List<?> || x instanceof PyTuple || x instanceof String) return index(list(x), java.math.BigInteger.valueOf(i));
        throw new PyError("TypeError", "'" + PyRepr.typeName(x) + "' object is not subscriptable");
    }

    /** {@code seq[i]} with Python's negative indexes; IndexError out of range, TypeError for a non-int index. */
    static Object index(List<?> seq, Object i) {
        if (!PyNum.isInt(i)) throw new PyError("TypeError", "list indices must be integers or slices, not " + PyRepr.typeName(i));
        java.math.BigInteger b = PyNum.asBig(i);
        long k = b.bitLength() > 62 ? Long.MAX_VALUE : b.longValue();
        if (k < 0) k += seq.size();
        if (k < 0 || k >= seq.size()) throw new PyError("IndexError", "list index out of range");
        return seq.get((int) k);
    }
}
