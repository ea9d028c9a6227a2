package dev.dycoke4j.eval.run;

/** How multiple-choice questions are answered. */
public enum McScoring {
    /** Generate and parse the answer, as lmms-eval does. */
    GENERATE,
    /** The option letter with the highest log-likelihood right after the prompt: one prefill, nothing to parse. */
    LOGLIK;

    /** {@code generate} or {@code loglik}. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The value {@link #id} names, or an IllegalArgumentException naming the two. */
    public static McScoring of(String id) {
        for (McScoring m : values()) if (m.id().equals(id)) return m;
        throw new IllegalArgumentException("multiple-choice scoring must be generate or loglik, got '" + id + "'");
    }
}
