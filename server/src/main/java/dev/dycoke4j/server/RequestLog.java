package dev.dycoke4j.server;

import java.util.Locale;

/** The one line logged per request: its id, frames, visual tokens kept, time to first token, tokens and status. */
final class RequestLog {
    private RequestLog() {
    }

    /** A request; {@code frames} and {@code kept} are -1 and {@code ttftSeconds} negative where it never got that far. */
    static String line(String id, int frames, int kept, double ttftSeconds, int tokens, int status) {
        return String.format(Locale.ROOT, "request %s | frames %s | visual tokens kept %s | ttft %s | tokens %d | status %d", id,
                frames < 0 ? "-" : Integer.toString(frames), kept < 0 ? "-" : Integer.toString(kept),
                ttftSeconds < 0 ? "-" : String.format(Locale.ROOT, "%.3fs", ttftSeconds), tokens, status);
    }
}
