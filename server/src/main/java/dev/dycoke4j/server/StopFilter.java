package dev.dycoke4j.server;

import java.util.List;

/**
 * The answer's text as it streams, cut at the first stop string (which is not included): text that might be the
 * start of a stop string is held back until the next piece settles it. Without stop strings every piece passes at
 * once.
 */
final class StopFilter {
    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopFilter(List<String> stops) {
        this.stops = stops;
    }

    /** Adds {@code piece}; returns the text that may be sent now (possibly empty). */
    String push(String piece) {
        if (stopped) return "";
        text.append(piece);
        int cut = -1;
        for (String s : stops) {
            int at = text.indexOf(s, Math.max(0, emitted - s.length() + 1));
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0) {
            stopped = true;
            text.setLength(cut);
            return take(cut);
        }
        int hold = 0;
        for (String s : stops)
            for (int k = Math.min(s.length() - 1, text.length()); k > hold; k--)
                if (text.toString().regionMatches(text.length() - k, s, 0, k)) {
                    hold = k;
                    break;
                }
        return take(Math.max(emitted, text.length() - hold));
    }

    /** The text held back, once the answer is complete without a stop string. */
    String flush() {
        return take(text.length());
    }

    /** Whether a stop string was found. */
    boolean stopped() {
        return stopped;
    }

    /** All the text let through so far. */
    String text() {
        return text.substring(0, emitted);
    }

    private String take(int upTo) {
        if (upTo <= emitted) return "";
        String s = text.substring(emitted, upTo);
        emitted = upTo;
        return s;
    }
}
