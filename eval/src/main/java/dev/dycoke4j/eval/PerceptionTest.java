package dev.dycoke4j.eval;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code perceptiontest_val_mc}: options labelled A, B, then C for every further one; the first {@code \b[A-D]\b}
 * (case-sensitive) of the answer gives an index (D is 3, nothing is -1), compared with {@code int(answer_id)}.
 * Accuracy is a 0-1 fraction.
 */
public final class PerceptionTest implements Task {
    @Override
    public String name() {
        return "perceptiontest_val_mc";
    }

    @Override
    public Map<String, Object> kwargs() {
        return Kwargs.withDefault(Kwargs.of("default", Kwargs.of("pre_prompt", "", "post_prompt", "")));
    }

    @Override
    public GenerationSettings generation() {
        return GenerationSettings.greedy(1024, null);
    }

    @Override
    public List<String> metrics() {
        return List.of("accuracy");
    }

    @Override
    public String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files) {
        Map<String, Object> kw = kwargs == null ? Map.of() : kwargs;
        Object pre = kw.containsKey("pre_prompt") ? kw.get("pre_prompt") : "";
        Object post = kw.containsKey("post_prompt") ? kw.get("post_prompt") : "";
        Object question = Doc.get(doc, "question");
        if (doc.containsKey("options")) {
            int index = 0;
            for (Object op : Doc.list(doc.get("options"))) {
                String label = index == 0 ? "A. " : index == 1 ? "B. " : "C. ";
                question = Doc.iadd(question, "\n" + label + PyStr.requireStr(op, "option"));
                index++;
            }
            post = "\nAnswer with the option's letter from the given choices directly.";
        }
        return PyStr.str(pre) + PyStr.str(question) + PyStr.str(post);
    }

    @Override
    public Object target(Map<String, Object> doc) {
        return Doc.get(doc, "answer_id");
    }

    /** A, B and C: every option after the second is labelled C. */
    @Override
    public List<String> choices(Map<String, Object> doc) {
        int n = Math.min(Doc.list(Doc.get(doc, "options")).size(), 3);
        return List.of("A", "B", "C").subList(0, n);
    }

    @Override
    public boolean parseFailed(Map<String, Object> doc, String response) {
        return letter(PyStr.strip(response)).isEmpty();
    }

    /** The first capital A-D standing alone as a word, or "". */
    static String letter(String pred) {
        for (int i = 0; i < pred.length(); i++) {
            char c = pred.charAt(i);
            if (c >= 'A' && c <= 'D' && PyStr.wordBoundary(pred, i) && PyStr.wordBoundary(pred, i + 1)) return String.valueOf(c);
        }
        return "";
    }

    @Override
    public Map<String, Object> results(Map<String, Object> doc, String response, ScoringContext ctx) {
        String pred = letter(PyStr.strip(response));
        int index = pred.isEmpty() ? -1 : pred.charAt(0) - 'A';
        BigInteger answer = PyNum.toInt(Doc.get(doc, "answer_id"));
        int correct = answer.equals(BigInteger.valueOf(index)) ? 1 : 0;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("video_name", Doc.get(doc, "video_name"));
        d.put("question", Doc.get(doc, "question"));
        d.put("pred_id", BigInteger.valueOf(index));
        d.put("answer_id", Doc.get(doc, "answer_id"));
        d.put("correct", BigInteger.valueOf(correct));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("accuracy", d);
        return out;
    }

    @Override
    public Object aggregate(String metric, List<Object> items) {
        checkMetric(metric);
        long yes = 0;
        for (Object x : items) if (PyNum.eq(Doc.get(Doc.dict(x), "correct"), BigInteger.ONE)) yes++;
        return PyNum.truediv(BigInteger.valueOf(yes), BigInteger.valueOf(items.size()));
    }
}
