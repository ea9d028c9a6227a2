package dev.dycoke4j.compress;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A method's options as text, keyed as its {@link MethodSpec#keys()} say ({@code "ttm_k" -> "0.6"}), read into typed
 * values: a key that is absent takes the default given, a key the method does not take or a value that does not parse
 * is an {@link InvalidOptionException} naming the key. Range checks belong to the method's record, which the typed
 * Java calls reach too. Enum values are spelled in lower case; booleans are {@code on} or {@code off}.
 */
public final class OptionReader {
    private final Map<String, String> options;

    /** Checks that {@code options} only holds keys {@code method} takes. */
    public OptionReader(String method, List<String> keys, Map<String, String> options) {
        this.options = Map.copyOf(options);
        for (String k : options.keySet())
            if (!keys.contains(k))
                throw new InvalidOptionException(k, "is not an option of " + method
                        + (keys.isEmpty() ? ", which takes no options" : "; it takes " + String.join(", ", keys)));
    }

    public boolean has(String key) {
        return options.containsKey(key);
    }

    public double decimal(String key, double absent) {
        String v = options.get(key);
        if (v == null) return absent;
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new InvalidOptionException(key, "must be a number, got '" + v + "'");
        }
    }

    public int integer(String key, int absent) {
        long v = longInteger(key, absent);
        if (v != (int) v) throw new InvalidOptionException(key, "must be an integer, got '" + options.get(key) + "'");
        return (int) v;
    }

    public long longInteger(String key, long absent) {
        String v = options.get(key);
        if (v == null) return absent;
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new InvalidOptionException(key, "must be an integer, got '" + v + "'");
        }
    }

    /** One of {@code type}'s constants, by its name in any case. */
    public <E extends Enum<E>> E choice(String key, Class<E> type, E absent) {
        String v = options.get(key);
        if (v == null) return absent;
        for (E c : type.getEnumConstants()) if (c.name().equalsIgnoreCase(v.strip())) return c;
        StringBuilder names = new StringBuilder();
        for (E c : type.getEnumConstants()) names.append(names.isEmpty() ? "" : ", ").append(text(c));
        throw new InvalidOptionException(key, "takes " + names + "; got '" + v + "'");
    }

    /** {@code on} (true) or {@code off} (false). */
    public boolean onOff(String key, boolean absent) {
        String v = options.get(key);
        if (v == null) return absent;
        if (v.equals("on")) return true;
        if (v.equals("off")) return false;
        throw new InvalidOptionException(key, "must be on or off, got '" + v + "'");
    }

    /** How an enum value is spelled in options: its name in lower case. */
    public static String text(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** How a boolean is spelled in options. */
    public static String text(boolean b) {
        return b ? "on" : "off";
    }
}
