package dev.dycoke4j.eval;

import java.util.List;
import java.util.Map;

/**
 * One lmms-eval task as DyCoke's copy defines it: the prompt ({@code doc_to_text}), the scoring of one answer
 * ({@code process_results}, after the harness's strip) and the aggregation of each metric. Documents and results use
 * the Python value model of {@link PyJson}; errors the original would raise are {@link PyError}s.
 */
public interface Task {
    /** The lmms-eval task name, e.g. {@code videomme}. */
    String name();

    /**
     * The {@code lmms_eval_specific_kwargs} lmms-eval passes to {@code doc_to_text} for model {@code llava_onevision}
     * (the YAML's dict with {@code default} merged on top), or null when the task has none.
     */
    Map<String, Object> kwargs();

    /** The generation settings of the task for {@code llava_onevision}. */
    GenerationSettings generation();

    /** The metric names, in the YAML's order. */
    List<String> metrics();

    /** {@code doc_to_text(doc, kwargs)}; {@code kwargs} null calls it with the document alone. */
    String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files);

    /** {@code process_results(doc, [response])} on the already stripped model output. */
    Map<String, Object> results(Map<String, Object> doc, String stripped, ScoringContext ctx);

    /** {@code ConfigurableTask.process_results}: strips the raw model output as Python's {@code str.strip()}, then scores. */
    default Map<String, Object> processResults(Map<String, Object> doc, String response, ScoringContext ctx) {
        return results(doc, PyStr.strip(response), ctx);
    }

    /** The aggregation of {@code metric} over the per-document values, in order. */
    Object aggregate(String metric, List<Object> items);

    /**
     * The per-category scores the copy's aggregation of {@code metric} logs over the same values (not part of what it
     * returns), or null when it logs none.
     */
    default Breakdown breakdown(String metric, List<Object> items) {
        return null;
    }

    /** {@code doc_to_target(doc)}: the document's answer as lmms-eval logs it with each sample ({@code doc["answer"]} unless the task says otherwise). */
    default Object target(Map<String, Object> doc) {
        return Doc.get(doc, "answer");
    }

    /**
     * The option letters of a multiple-choice document, in order, each of which scores as a whole answer; null when the
     * task is not multiple choice. Scoring by log-likelihood picks one of them.
     */
    default List<String> choices(Map<String, Object> doc) {
        return null;
    }

    /**
     * Whether the task's parser finds no answer in the raw {@code response}: it falls back to a guess
     * ({@code random.choice}) or to nothing. Always false for tasks that are not parsed (the judged ones).
     */
    default boolean parseFailed(Map<String, Object> doc, String response) {
        return false;
    }

    /** Raises Python's {@code KeyError} (as the copy's aggregation lookup does) unless {@code metric} is one of {@link #metrics()}. */
    default void checkMetric(String metric) {
        if (!metrics().contains(metric)) throw new PyError("KeyError", PyRepr.reprStr(metric));
    }
}
