package dev.dycoke4j.eval;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code egoschema} and {@code egoschema_subset}: the question and the five options (which already carry "A. "),
 * then a fixed instruction. The parser gathers "(X)", "X " and "X." candidates together and the EARLIEST occurrence
 * wins; option texts are matched with their "A. " prefix, so an echoed option text never matches and falls back to
 * {@code random.choice}. The full set is scored by submitting a file keyed by {@code video_idx} (the aggregation
 * returns None); the subset also has a local score.
 */
public final class EgoSchema implements Task {
    static final List<String> OPTIONS = List.of("A", "B", "C", "D", "E");
    private final boolean subset;

    public EgoSchema(boolean subset) {
        this.subset = subset;
    }

    @Override
    public String name() {
        return subset ? "egoschema_subset" : "egoschema";
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
        return subset ? List.of("submission", "score") : List.of("submission");
    }

    @Override
    public String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files) {
        Map<String, Object> kw = kwargs == null ? Map.of() : kwargs;
        Object pre = kw.containsKey("pre_prompt") ? kw.get("pre_prompt") : "";
        Object post = kw.containsKey("post_prompt") ? kw.get("post_prompt") : "";
        Object question = Doc.get(doc, "question");
        if (doc.containsKey("option")) {
            for (Object op : Doc.list(doc.get("option"))) question = Doc.iadd(question, "\n" + PyStr.requireStr(op, "option"));
            post = "\nAnswer with the option's letter from the given choices directly.";
        }
        return PyStr.str(pre) + PyStr.str(question) + PyStr.str(post);
    }

    /** The parser's return value: the letter (or "" when a matched text had none) and whether anything matched. */
    public record Parse(String letter, boolean matched) {
    }

    @Override
    public List<String> choices(Map<String, Object> doc) {
        return OPTIONS;
    }

    @Override
    public boolean parseFailed(Map<String, Object> doc, String response) {
        return !parse(doc, PyStr.strip(response), new PyRandom(0)).matched();
    }

    public static Parse parse(Map<String, Object> doc, String response, PyRandom random) {
        Map<String, String> index2ans = new LinkedHashMap<>();
        Object options = Doc.get(doc, "option");
        for (int i = 0; i < 5; i++) index2ans.put(OPTIONS.get(i), PyStr.stripAttr(Doc.subscript(options, i)));
        for (String ch : List.of(",", ".", "!", "?", ";", ":", "'")) response = PyStr.strip(response, ch);
        response = " " + response + " ";
        boolean indexAns = true;
        List<String> candidates = new ArrayList<>();
        for (String c : OPTIONS) if (response.contains("(" + c + ")")) candidates.add("(" + c + ")");
        for (String c : OPTIONS) if (response.contains(c + " ")) candidates.add(c + " ");
        for (String c : OPTIONS) if (response.contains(c + ".")) candidates.add(c + ".");
        String lowerResponse = PyStr.lower(response);
        if (candidates.isEmpty() && PyStr.split(response).size() > 5) {
            for (var e : index2ans.entrySet()) {
                if (lowerResponse.contains(PyStr.lower(e.getValue()))) {
                    candidates.add(e.getKey());
                    indexAns = false;
                }
            }
        }
        if (candidates.isEmpty()) return new Parse(random.choice(OPTIONS), false);
        String pick = candidates.getFirst();
        if (candidates.size() > 1) {
            long bestAt = Long.MAX_VALUE;
            for (String can : candidates) {
                long at = indexAns ? response.lastIndexOf(can) : lowerResponse.lastIndexOf(PyStr.lower(index2ans.get(can)));
                if (at < bestAt) { // np.argmin: the first of equal minima
                    bestAt = at;
                    pick = can;
                }
            }
        }
        return new Parse(PyStr.strip(pick.replace("(", "").replace(")", "").replace(".", "")), true);
    }

    @Override
    public Map<String, Object> results(Map<String, Object> doc, String pred, ScoringContext ctx) {
        String parsed = parse(doc, pred, ctx.random()).letter();
        int index = OPTIONS.indexOf(parsed);
        Object videoIdx = Doc.get(doc, "video_idx");
        Map<Object, Object> submission = new LinkedHashMap<>();
        submission.put(videoIdx, BigInteger.valueOf(index));
        Map<String, Object> score = new LinkedHashMap<>();
        score.put("pred", BigInteger.valueOf(index));
        score.put("ground_truth", Doc.get(doc, "answer"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("submission", submission);
        out.put("score", score);
        return out;
    }

    /** The file the submission aggregation writes: every item's {@code video_idx -> index}, later items winning. */
    public static Map<Object, Object> combinedSubmission(List<Object> items) {
        Map<Object, Object> combined = new LinkedHashMap<>();
        for (Object x : items) {
            if (!(x instanceof Map<?, ?> m)) throw new PyError("TypeError", "'" + PyRepr.typeName(x) + "' object is not iterable");
            for (var e : m.entrySet()) combined.put(e.getKey(), e.getValue());
        }
        return combined;
    }

    @Override
    public Object aggregate(String metric, List<Object> items) {
        switch (metric) {
            case "submission" -> {
                combinedSubmission(items);
                return null;
            }
            case "score" -> {
                if (!subset) throw new PyError("KeyError", PyRepr.reprStr(metric));
                long yes = 0;
                for (Object x : items) {
                    Map<String, Object> r = Doc.dict(x);
                    if (PyStr.str(Doc.get(r, "ground_truth")).equals(PyStr.str(Doc.get(r, "pred")))) yes++;
                }
                return PyNum.truediv(BigInteger.valueOf(yes), BigInteger.valueOf(items.size()));
            }
            default -> throw new PyError("KeyError", PyRepr.reprStr(metric));
        }
    }
}
