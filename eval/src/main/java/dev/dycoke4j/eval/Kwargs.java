package dev.dycoke4j.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/** Building the tasks' {@code lmms_eval_specific_kwargs} as lmms-eval prepares them for a model. */
final class Kwargs {
    /** The model whose kwargs are used: DyCoke evaluates LLaVA-OneVision. */
    static final String MODEL = "llava_onevision";

    private Kwargs() {
    }

    /** An insertion-ordered dict from alternating keys and values. */
    static Map<String, Object> of(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /**
     * {@code ConfigurableTask._prepare_model_specific_config}: the model's own sub-dict if the YAML has one, else the
     * whole dict (other models' sub-dicts included), with {@code default} and then {@code dataset} merged on top.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> withDefault(Map<String, Object> yaml) {
        Map<String, Object> k = new LinkedHashMap<>(yaml.containsKey(MODEL) ? (Map<String, Object>) yaml.get(MODEL) : yaml);
        if (k.containsKey("default")) k.putAll((Map<String, Object>) k.get("default"));
        if (k.containsKey("dataset")) k.putAll((Map<String, Object>) k.get("dataset"));
        return k;
    }
}
