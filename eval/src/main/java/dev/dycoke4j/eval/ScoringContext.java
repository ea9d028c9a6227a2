package dev.dycoke4j.eval;

/**
 * What scoring one answer may need besides the document: Python's {@code random} state (the multiple-choice parsers
 * fall back to {@code random.choice}; lmms-eval seeds it once per run) and the GPT judge of the judged tasks.
 */
public record ScoringContext(PyRandom random, Judge judge) {
    /** A fresh {@code random.seed(0)} and the given judge. */
    public static ScoringContext seeded(Judge judge) {
        return new ScoringContext(new PyRandom(0), judge);
    }
}
