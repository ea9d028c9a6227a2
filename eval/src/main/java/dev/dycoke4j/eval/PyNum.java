package dev.dycoke4j.eval;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Python's numbers in the value model: ints are {@code BigInteger} (a {@code Boolean} counts as 0 or 1, as bool is an
 * int), floats are {@code Double}. Arithmetic keeps Python's result types (int + int is an int, true division always
 * a float), and {@code int()}/{@code float()} accept what Python's accept.
 */
public final class PyNum {
    private PyNum() {
    }

    public static final BigInteger ZERO = BigInteger.ZERO;

    static boolean isInt(Object x) {
        return x instanceof BigInteger || x instanceof Boolean || x instanceof Long || x instanceof Integer;
    }

    static boolean isNumber(Object x) {
        return isInt(x) || x instanceof Double;
    }

    static BigInteger asBig(Object x) {
        return switch (x) {
            case BigInteger b -> b;
            case Boolean b -> b ? BigInteger.ONE : BigInteger.ZERO;
            case Number n -> BigInteger.valueOf(n.longValue());
            default -> throw new PyError("TypeError", "not an int: " + PyRepr.typeName(x));
        };
    }

    /** {@code float(int)}: exact rounding; OverflowError past the largest double. */
    static double intToDouble(BigInteger b) {
        double d = b.doubleValue();
        if (Double.isInfinite(d)) throw new PyError("OverflowError", "int too large to convert to float");
        return d;
    }

    static double asDouble(Object x) {
        if (x instanceof Double d) return d;
        if (isInt(x)) return intToDouble(asBig(x));
        throw new PyError("TypeError", "unsupported operand type: " + PyRepr.typeName(x));
    }

    /** {@code a + b} on numbers. */
    public static Object add(Object a, Object b) {
        if (isInt(a) && isInt(b)) return asBig(a).add(asBig(b));
        if (isNumber(a) && isNumber(b)) return asDouble(a) + asDouble(b);
        throw new PyError("TypeError", "unsupported operand type(s) for +: '" + PyRepr.typeName(a) + "' and '" + PyRepr.typeName(b) + "'");
    }

    /** {@code a * b} on numbers. */
    public static Object mul(Object a, Object b) {
        if (isInt(a) && isInt(b)) return asBig(a).multiply(asBig(b));
        if (isNumber(a) && isNumber(b)) return asDouble(a) * asDouble(b);
        throw new PyError("TypeError", "unsupported operand type(s) for *: '" + PyRepr.typeName(a) + "' and '" + PyRepr.typeName(b) + "'");
    }

    /** {@code a / b}: always a float; ZeroDivisionError for a zero divisor (even 0.0). */
    public static double truediv(Object a, Object b) {
        if (!isNumber(a) || !isNumber(b))
            throw new PyError("TypeError", "unsupported operand type(s) for /: '" + PyRepr.typeName(a) + "' and '" + PyRepr.typeName(b) + "'");
        if (isInt(a) && isInt(b)) {
            BigInteger x = asBig(a), y = asBig(b);
            if (y.signum() == 0) throw new PyError("ZeroDivisionError", "division by zero");
            if (x.abs().bitLength() <= 53 && y.abs().bitLength() <= 53) return x.doubleValue() / y.doubleValue();
            return new BigDecimal(x).divide(new BigDecimal(y), MathContext.DECIMAL128).doubleValue();
        }
        double y = asDouble(b);
        if (y == 0) throw new PyError("ZeroDivisionError", "float division by zero");
        return asDouble(a) / y;
    }

    /** Python's {@code round(x, n)} for a float (the exact binary value rounded half to even), or an int unchanged. */
    public static Object round(Object x, int n) {
        if (isInt(x)) return asBig(x);
        double d = (Double) x;
        if (Double.isNaN(d) || Double.isInfinite(d)) return d;
        return new BigDecimal(d).setScale(n, RoundingMode.HALF_EVEN).doubleValue();
    }

    /** Python's {@code a == b} on the value model (1 == 1.0 == True; lists and dicts element-wise). */
    public static boolean eq(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) return asBig(a).equals(asBig(b));
            double x = a instanceof Double d ? d : Double.NaN, y = b instanceof Double d2 ? d2 : Double.NaN;
            if (a instanceof Double && b instanceof Double) return x == y;
            double f = a instanceof Double ? x : y;
            BigInteger i = asBig(a instanceof Double ? b : a);
            return !Double.isNaN(f) && !Double.isInfinite(f) && new BigDecimal(f).compareTo(new BigDecimal(i)) == 0;
        }
        if (a instanceof PyTuple ta && b instanceof PyTuple tb) return eq(ta.items(), tb.items());
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if (la.size() != lb.size()) return false;
            for (int i = 0; i < la.size(); i++) if (!eq(la.get(i), lb.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) return false;
            for (var e : ma.entrySet()) {
                if (!mb.containsKey(e.getKey()) || !eq(e.getValue(), mb.get(e.getKey()))) return false;
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    /** A key for a Java map that hashes as Python's dict does for the value model (1, 1.0 and True are one key). */
    public static Object key(Object x) {
        if (x instanceof Boolean || x instanceof Long || x instanceof Integer) return asBig(x);
        if (x instanceof Double d && !Double.isInfinite(d) && !Double.isNaN(d) && d == Math.rint(d)) return new BigDecimal(d).toBigInteger();
        if (x instanceof List<?> || x instanceof Map<?, ?>) throw new PyError("TypeError", "unhashable type: '" + PyRepr.typeName(x) + "'");
        return x;
    }

    /**
     * Python's {@code float(x)}: numbers, and strings as {@code float()} reads them (surrounding Unicode whitespace,
     * Unicode decimal digits, underscores between digits, inf/infinity/nan in any case).
     */
    public static double toFloat(Object x) {
        if (x instanceof Double d) return d;
        if (x instanceof PyLiteral.Bytes b) return toFloat(asciiText(b, "could not convert string to float"));
        if (isInt(x)) return intToDouble(asBig(x));
        if (x instanceof String s) {
            String t = asciiDigits(PyStr.strip(s));
            String lower = t.toLowerCase(java.util.Locale.ROOT);
            String body = lower.startsWith("+") || lower.startsWith("-") ? lower.substring(1) : lower;
            double sign = lower.startsWith("-") ? -1 : 1;
            if (body.equals("inf") || body.equals("infinity")) return sign * Double.POSITIVE_INFINITY;
            if (body.equals("nan")) return Double.NaN;
            String plain = underscores(body);
            if (plain == null || !plain.matches("(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?"))
                throw new PyError("ValueError", "could not convert string to float: " + PyRepr.reprStr(s));
            return sign * Double.parseDouble(plain);
        }
        throw new PyError("TypeError", "float() argument must be a string or a real number, not '" + PyRepr.typeName(x) + "'");
    }

    /**
     * Python's {@code int(x)}: an int or bool as is, a float truncated toward zero (OverflowError for inf, ValueError
     * for nan), a string in base 10 (Unicode digits, underscores between digits, surrounding whitespace).
     */
    public static BigInteger toInt(Object x) {
        if (isInt(x)) return asBig(x);
        if (x instanceof PyLiteral.Bytes b) return toInt(asciiText(b, "invalid literal for int() with base 10"));
        if (x instanceof Double d) {
            if (Double.isInfinite(d)) throw new PyError("OverflowError", "cannot convert float infinity to integer");
            if (Double.isNaN(d)) throw new PyError("ValueError", "cannot convert float NaN to integer");
            return new BigDecimal(d).toBigInteger();
        }
        if (x instanceof String s) {
            String t = asciiDigits(PyStr.strip(s));
            String body = t.startsWith("+") || t.startsWith("-") ? t.substring(1) : t;
            String plain = underscores(body);
            if (plain == null || !plain.matches("\\d+"))
                throw new PyError("ValueError", "invalid literal for int() with base 10: " + PyRepr.reprStr(s));
            BigInteger v = new BigInteger(plain);
            return t.startsWith("-") ? v.negate() : v;
        }
        throw new PyError("TypeError", "int() argument must be a string, a bytes-like object or a real number, not '" + PyRepr.typeName(x) + "'");
    }

    /** Bytes read as a number: ASCII only, and only ASCII whitespace around it (Python's {@code Py_ISSPACE}). */
    private static String asciiText(PyLiteral.Bytes b, String error) {
        String t = b.latin1();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c > 127 || (c >= 0x1C && c <= 0x1F)) throw new PyError("ValueError", error + ": " + PyRepr.reprStr(t));
        }
        return t;
    }

    /** Unicode decimal digits to ASCII, as CPython does before parsing a number from a string. */
    private static String asciiDigits(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c > 0x7F && Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER) sb.append((char) ('0' + Character.digit(c, 10)));
            else if (c > 0x7F && PyStr.isSpace(c)) sb.append(' ');
            else sb.appendCodePoint(c);
        }
        return sb.toString();
    }

    /** Removes underscores that sit between two digits; null when an underscore is anywhere else. */
    private static String underscores(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '_') {
                if (i == 0 || i == s.length() - 1 || !Character.isDigit(s.charAt(i - 1)) || !Character.isDigit(s.charAt(i + 1))) return null;
                continue;
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
