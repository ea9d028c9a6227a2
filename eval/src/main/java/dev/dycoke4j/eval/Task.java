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

    /** Raises Python's {@code KeyError} (as the copy's aggregation lookup does) unless {@code metric} is one of {@link #metrics()}. */
    default void checkMetric(String metric) {
        if (!metrics().contains(metric)) throw new PyError("KeyError", PyRepr.reprStr(metric));
    }
}
