package dev.dycoke4j.eval;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code videomme}: four options inserted as {@code str(options)} (Python's list repr), the subtitles instruction even
 * without subtitles, and a parser that takes the first capital A-D anywhere after removing a few prefixes. The score
 * is the percentage of right letters; a duration, domain, sub-category or task type outside the fixed lists raises
 * KeyError, as the copy's lookup table does.
 */
public class VideoMme implements Task {
    static final String OPTION_PROMPT = "Select the best answer to the following multiple-choice question based on the video and the subtitles. Respond with only the letter (A, B, C, or D) of the correct option.";
    static final List<String> VIDEO_TYPE = List.of("short", "medium", "long");
    static final List<String> CATEGORIES = List.of("Knowledge", "Film & Television", "Sports Competition", "Artistic Performance", "Life Record", "Multilingual");
    static final List<String> SUB_CATEGORIES = List.of("Humanity & History", "Literature & Art", "Biology & Medicine", "Finance & Commerce", "Astronomy",
            "Geography", "Law", "Life Tip", "Technology", "Animation", "Movie & TV Show", "Documentary", "News Report", "Esports", "Basketball", "Football",
            "Athletics", "Other Sports", "Stage Play", "Magic Show", "Variety Show", "Acrobatics", "Handicraft", "Food", "Fashion", "Daily Life", "Travel",
            "Pet & Animal", "Exercise", "Multilingual");
    static final List<String> TASK_CATEGORIES = List.of("Temporal Perception", "Spatial Perception", "Attribute Perception", "Action Recognition",
            "Object Recognition", "OCR Problems", "Counting Problem", "Temporal Reasoning", "Spatial Reasoning", "Action Reasoning", "Object Reasoning",
            "Information Synopsis");
    /** The keys of the copy's table, "duration_domain_subcategory_tasktype": only the listed values exist. */
    private static final Set<String> TABLE = table();

    private static Set<String> table() {
        Set<String> t = new HashSet<>();
        for (String v : VIDEO_TYPE)
            for (String c : CATEGORIES)
                for (String s : SUB_CATEGORIES)
                    for (String k : TASK_CATEGORIES) t.add(v + "_" + c + "_" + s + "_" + k);
        return Set.copyOf(t);
    }

    /**
     * The copy's prefixes; two pairs lack a comma in the source, so Python concatenated them into one string each
     * ("The best option isThe correct option is", "Best answer:Best option:").
     */
    static final List<String> ANSWER_PREFIXES = List.of("The best answer is", "The correct answer is", "The answer is", "The answer",
            "The best option is" + "The correct option is", "Best answer:" + "Best option:");

    @Override
    public String name() {
        return "videomme";
    }

    @Override
    public Map<String, Object> kwargs() {
        return Kwargs.withDefault(Kwargs.of(
                "default", Kwargs.of("pre_prompt", "", "post_prompt", "\nAnswer with the option's letter from the given choices directly."),
                "gpt4v", Kwargs.of("pre_prompt", "", "post_prompt", "\nAnswer the question with A, B, C, or D."),
                "xcomposer2_4khd", Kwargs.of("pre_prompt", "[UNUSED_TOKEN_146]user\n",
                        "post_prompt", " Answer this question with A, B, C, or D.[UNUSED_TOKEN_145]\n[UNUSED_TOKEN_146]assistant\n")));
    }

    @Override
    public GenerationSettings generation() {
        return GenerationSettings.greedy(16, 1.0);
    }

    @Override
    public List<String> metrics() {
        return List.of("videomme_percetion_score");
    }

    /** The question, a newline, and the options as a Python list repr. */
    static String questionWithOptions(Map<String, Object> doc) {
        return PyStr.requireStr(Doc.get(doc, "question"), "question") + "\n" + PyStr.str(Doc.get(doc, "options"));
    }

    @Override
    public String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files) {
        String question = questionWithOptions(doc);
        String post = Doc.has(kwargs, "post_prompt") ? PyStr.requireStr(kwargs.get("post_prompt"), "post_prompt") : "The best answer is:";
        return OPTION_PROMPT + "\n" + question + "\n" + post;
    }

    @Override
    public List<String> choices(Map<String, Object> doc) {
        return List.of("A", "B", "C", "D");
    }

    @Override
    public boolean parseFailed(Map<String, Object> doc, String response) {
        return extractLetter(PyStr.strip(response)).isEmpty();
    }

    /** {@code extract_characters_regex}: the first capital A-D after the prefixes are removed, else "". */
    public static String extractLetter(String s) {
        s = PyStr.strip(s);
        for (String p : ANSWER_PREFIXES) s = s.replace(p, "");
        int at = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'D') {
                at = i;
                break;
            }
        }
        if (PyStr.split(s).size() > 10 && at < 0) return "";
        return at < 0 ? "" : String.valueOf(s.charAt(at));
    }

    @Override
    public Map<String, Object> results(Map<String, Object> doc, String pred, ScoringContext ctx) {
        String predAns = extractLetter(pred);
        Object category = Doc.get(doc, "domain");
        Object subCategory = Doc.get(doc, "sub_category");
        Object taskCategory = Doc.get(doc, "task_type");
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("question_id", Doc.get(doc, "question_id"));
        d.put("duration", Doc.get(doc, "duration"));
        d.put("category", category);
        d.put("sub_category", subCategory);
        d.put("task_category", taskCategory);
        d.put("pred_answer", predAns);
        d.put("answer", Doc.get(doc, "answer"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("videomme_percetion_score", d);
        return out;
    }

    @Override
    public Object aggregate(String metric, List<Object> items) {
        checkMetric(metric);
        long correct = 0, answered = 0;
        for (long[] v : counts(items).values()) {
            correct += v[0];
            answered += v[1];
        }
        return answered > 0 ? (Object) PyNum.truediv(BigInteger.valueOf(100 * correct), BigInteger.valueOf(answered)) : BigInteger.ZERO;
    }

    /**
     * What the copy's aggregation logs: the accuracy by duration, domain, sub-category and task type, every name of its
     * lists (0 where nothing was answered), each summed over the table's keys that contain the name as a substring, as
     * the copy does ({@code if video_type in k}), and rounded as its {@code :.1f}.
     */
    @Override
    public Breakdown breakdown(String metric, List<Object> items) {
        checkMetric(metric);
        Map<String, long[]> counts = counts(items);
        Map<String, Map<String, Breakdown.Group>> dims = new LinkedHashMap<>();
        dims.put("duration", groups(counts, VIDEO_TYPE));
        dims.put("domain", groups(counts, CATEGORIES));
        dims.put("sub_category", groups(counts, SUB_CATEGORIES));
        dims.put("task_type", groups(counts, TASK_CATEGORIES));
        return new Breakdown(dims);
    }

    /** {correct, answered} per key of the copy's table that was answered; KeyError for a key outside it. */
    private static Map<String, long[]> counts(List<Object> items) {
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (Object x : items) {
            Map<String, Object> r = Doc.dict(x);
            String key = PyStr.str(Doc.get(r, "duration")) + "_" + PyStr.str(Doc.get(r, "category")) + "_"
                    + PyStr.str(Doc.get(r, "sub_category")) + "_" + PyStr.str(Doc.get(r, "task_category"));
            if (!TABLE.contains(key)) throw new PyError("KeyError", PyRepr.reprStr(key));
            long[] c = counts.computeIfAbsent(key, k -> new long[2]);
            c[1]++;
            if (PyNum.eq(Doc.get(r, "pred_answer"), Doc.get(r, "answer"))) c[0]++;
        }
        return counts;
    }

    private static Map<String, Breakdown.Group> groups(Map<String, long[]> counts, List<String> names) {
        Map<String, Breakdown.Group> out = new LinkedHashMap<>();
        for (String name : names) {
            long correct = 0, answered = 0;
            for (var e : counts.entrySet())
                if (e.getKey().contains(name)) {
                    correct += e.getValue()[0];
                    answered += e.getValue()[1];
                }
            double score = answered > 0 ? PyNum.truediv(BigInteger.valueOf(100 * correct), BigInteger.valueOf(answered)) : 0;
            out.put(name, new Breakdown.Group(new BigDecimal(score).setScale(1, RoundingMode.HALF_EVEN).doubleValue(), answered));
        }
        return out;
    }
}
