package dev.dycoke4j.eval;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code nextqa_mc_test}: the stripped question and five stripped options "A. ..".."E. ..", no instruction (the task
 * has no kwargs); scored by {@link MmmuChoiceParser} against {@code OPTIONS[answer]}, aggregated by the mean.
 */
public final class NextQaMc implements Task {
    static final List<String> OPTIONS = List.of("A", "B", "C", "D", "E");

    @Override
    public String name() {
        return "nextqa_mc_test";
    }

    @Override
    public Map<String, Object> kwargs() {
        return null;
    }

    @Override
    public GenerationSettings generation() {
        return GenerationSettings.greedy(1024, null);
    }

    @Override
    public List<String> metrics() {
        return List.of("exact_match");
    }

    @Override
    public String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files) {
        Map<String, Object> kw = kwargs == null ? Map.of() : kwargs;
        List<String> parts = new ArrayList<>();
        parts.add(PyStr.stripAttr(Doc.get(doc, "question")));
        for (int i = 0; i < 5; i++) parts.add(OPTIONS.get(i) + ". " + PyStr.stripAttr(Doc.get(doc, "a" + i)));
        String q = String.join("\n", parts);
        if (kw.containsKey("pre_prompt") && !PyNum.eq(kw.get("pre_prompt"), "")) q = PyStr.str(kw.get("pre_prompt")) + q;
        if (kw.containsKey("post_prompt") && !PyNum.eq(kw.get("post_prompt"), "")) q = q + PyStr.str(kw.get("post_prompt"));
        return q;
    }

    @Override
    public List<String> choices(Map<String, Object> doc) {
        return OPTIONS;
    }

    @Override
    public boolean parseFailed(Map<String, Object> doc, String response) {
        return parse(doc, PyStr.strip(response), new PyRandom(0)).fallback();
    }

    /** The parser's own return value: the letter. */
    public static MmmuChoiceParser.Parse parse(Map<String, Object> doc, String response, PyRandom random) {
        Map<String, String> index2ans = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) index2ans.put(OPTIONS.get(i), PyStr.stripAttr(Doc.get(doc, "a" + i)));
        return MmmuChoiceParser.parse(response, OPTIONS, index2ans, random);
    }

    @Override
    public Map<String, Object> results(Map<String, Object> doc, String pred, ScoringContext ctx) {
        String parsed = parse(doc, pred, ctx.random()).letter();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("exact_match", parsed.equals(Doc.index(OPTIONS, Doc.get(doc, "answer"))));
        return out;
    }

    @Override
    public Object aggregate(String metric, List<Object> items) {
        checkMetric(metric);
        return mean(items);
    }

    /** lmms-eval's {@code mean}: {@code sum(arr) / len(arr)}. */
    static double mean(List<Object> items) {
        Object sum = BigInteger.ZERO;
        for (Object x : items) sum = PyNum.add(sum, x);
        return PyNum.truediv(sum, BigInteger.valueOf(items.size()));
    }
}
