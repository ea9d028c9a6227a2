package dev.dycoke4j.eval;

import java.util.Map;

/**
 * A task scored by the GPT judge (ActivityNet-QA, VideoDC). Besides {@link Task#processResults}, which scores a failed
 * judgement as the copy does (0, or "no"), it tells a judgement that failed from one that succeeded, so that a run can
 * count the failures instead of scoring them silently.
 */
public interface JudgedTask extends Task {
    /** What judging one response gave: the {@code process_results} dict, or why there is none. */
    record Judgement(Map<String, Object> results, String failure, boolean malformed) {
        /** Whether the judge gave a reply that was read (well formed or not). */
        public boolean ok() {
            return failure == null;
        }

        static Judgement failed(String why) {
            return new Judgement(null, why, false);
        }
    }

    /**
     * Judges the raw model {@code response} (stripped first, as the harness does) with the copy's payload and retries.
     * A judge that gave no usable reply is a failure (no results); a reply that does not parse as the copy expects
     * has the copy's results (a score of 0) and is flagged {@code malformed}.
     */
    Judgement judge(Map<String, Object> doc, String response, Judge judge);
}
