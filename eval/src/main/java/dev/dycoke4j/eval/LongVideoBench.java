package dev.dycoke4j.eval;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code longvideobench_val_v}, and the subtitle-interleaved prompt of {@code longvideobench_val_i}: the options that
 * are not "N/A" lettered in order, then the instruction on its own line. Scoring uses {@link MmmuChoiceParser} over
 * the options up to the first "N/A" (so the letters can disagree with the prompt's when "N/A" is not only at the end);
 * the accuracy counts every sample once per duration group and once per question category, rounded to 5 places.
 */
public final class LongVideoBench implements Task {
    private final boolean interleaved;

    public LongVideoBench(boolean interleaved) {
        this.interleaved = interleaved;
    }

    @Override
    public String name() {
        return interleaved ? "longvideobench_val_i" : "longvideobench_val_v";
    }

    @Override
    public Map<String, Object> kwargs() {
        Map<String, Object> def = Kwargs.of("pre_prompt", "", "post_prompt", "Answer with the option's letter from the given choices directly.\n");
        if (interleaved) def.put("insert_interleave_subtitles", Boolean.TRUE);
        return Kwargs.withDefault(Kwargs.of("default", def));
    }

    @Override
    public GenerationSettings generation() {
        return new GenerationSettings(32, 0.0, false, null, 1, List.of("\n\n"));
    }

    @Override
    public List<String> metrics() {
        return List.of("lvb_acc");
    }

    @Override
    public String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files) {
        List<String> lines = new ArrayList<>();
        int letter = 0;
        for (int i = 0; i < 5; i++) {
            Object c = doc.get("option" + i);
            if (!PyNum.eq(c, "N/A")) lines.add((char) ('A' + letter++) + ". " + PyStr.requireStr(c, "option"));
        }
        String question = PyStr.requireStr(Doc.get(doc, "question"), "question") + "\n" + String.join("\n", lines);
        Object pre = Doc.get(kwargs, "pre_prompt"), post = Doc.get(kwargs, "post_prompt");
        Object interleave = kwargs.getOrDefault("insert_interleave_subtitles", Boolean.FALSE);
        if (truthy(interleave)) {
            String path = "longvideobench/subtitles/" + PyStr.str(Doc.get(doc, "subtitle_path"));
            String text = files.text(path);
            if (text == null) throw new PyError("FileNotFoundError", "No such file or directory: " + PyRepr.reprStr(path));
            Object subtitles = JudgeReplies.json(text);
            String prefix = LvbSubtitles.interleave(LvbSubtitles.frameTimestamps(Doc.get(doc, "duration"), 16), Doc.list(subtitles),
                    Doc.get(doc, "starting_timestamp_for_subtitles"), Doc.get(doc, "duration"));
            return PyStr.str(pre) + prefix + "\n" + question + "\n" + PyStr.str(post);
        }
        return PyStr.str(pre) + question + "\n" + PyStr.str(post);
    }

    @Override
    public Object target(Map<String, Object> doc) {
        return Doc.get(doc, "correct_choice");
    }

    /** The letters scoring reads: one per option before the first "N/A". */
    @Override
    public List<String> choices(Map<String, Object> doc) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 5 && !PyNum.eq(doc.get("option" + i), "N/A"); i++) out.add(String.valueOf((char) ('A' + i)));
        return out;
    }

    @Override
    public boolean parseFailed(Map<String, Object> doc, String response) {
        List<String> choices = choices(doc);
        Map<String, Object> index2ans = new LinkedHashMap<>();
        for (String l : choices) index2ans.put(l, doc.get("option" + (l.charAt(0) - 'A')));
        return MmmuChoiceParser.parse(PyStr.strip(response), choices, index2ans, new PyRandom(0)).fallback();
    }

    private static boolean truthy(Object x) {
        return switch (x) {
            case null -> false;
            case Boolean b -> b;
            case String s -> !s.isEmpty();
            case Double d -> d != 0;
            case BigInteger b -> b.signum() != 0;
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }

    @Override
    public Map<String, Object> results(Map<String, Object> doc, String pred, ScoringContext ctx) {
        List<String> choices = new ArrayList<>();
        Map<String, Object> index2ans = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            Object option = doc.get("option" + i);
            if (PyNum.eq(option, "N/A")) break;
            String l = String.valueOf((char) ('A' + i));
            index2ans.put(l, option);
            choices.add(l);
        }
        String parsed = MmmuChoiceParser.parse(pred, choices, index2ans, ctx.random()).letter();
        Object id = Doc.get(doc, "video_id");
        Map<String, Object> acc = new LinkedHashMap<>();
        acc.put("id", id);
        acc.put("duration_group", Doc.get(doc, "duration_group"));
        acc.put("question_category", Doc.get(doc, "question_category"));
        Object correct = Doc.get(doc, "correct_choice");
        if (!PyNum.isInt(correct)) throw new PyError("TypeError", "unsupported operand type(s) for +: 'int' and '" + PyRepr.typeName(correct) + "'");
        int cp = 'A' + PyNum.asBig(correct).intValueExact();
        if (cp < 0 || cp > 0x10FFFF) throw new PyError("ValueError", "chr() arg not in range(0x110000)");
        acc.put("answer", new String(Character.toChars(cp)));
        acc.put("parsed_pred", parsed);
        Map<Object, Object> submission = new LinkedHashMap<>();
        submission.put(id, pred);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("lvb_acc", acc);
        out.put("submission", submission);
        return out;
    }

    @Override
    public Object aggregate(String metric, List<Object> items) {
        checkMetric(metric);
        double acc = 0;
        long num = 0;
        boolean any = false;
        for (long[] rn : subsets(items).values()) {
            double a = PyNum.truediv(BigInteger.valueOf(rn[0]), BigInteger.valueOf(rn[1]));
            acc += a * rn[1];
            num += rn[1];
            any = true;
        }
        if (!any || num == 0) return PyNum.round(BigInteger.ZERO, 5);
        return PyNum.round(acc / num, 5);
    }

    /**
     * What the copy's aggregation logs (its {@code printable_results}): the accuracy (a fraction, {@code round(acc, 5)})
     * and count of each duration group and each question category, in the order they first appear. The copy logs them
     * in one dict; here they are two breakdowns, the duration groups named by their Python {@code str}.
     */
    @Override
    public Breakdown breakdown(String metric, List<Object> items) {
        checkMetric(metric);
        Map<String, Breakdown.Group> duration = new LinkedHashMap<>(), category = new LinkedHashMap<>();
        Map<Object, long[]> subsets = subsets(items);
        Set<Object> durations = new java.util.HashSet<>();
        for (Object x : items) durations.add(PyNum.key(Doc.get(Doc.dict(x), "duration_group")));
        for (var e : subsets.entrySet()) {
            long[] rn = e.getValue();
            double acc = (Double) PyNum.round(PyNum.truediv(BigInteger.valueOf(rn[0]), BigInteger.valueOf(rn[1])), 5);
            Breakdown.Group g = new Breakdown.Group(acc, rn[1]);
            String name = PyStr.str(e.getKey());
            (durations.contains(e.getKey()) ? duration : category).put(name, g);
        }
        Map<String, Map<String, Breakdown.Group>> dims = new LinkedHashMap<>();
        dims.put("duration_group", duration);
        dims.put("question_category", category);
        return new Breakdown(dims);
    }

    /** {right, count} of each subset (the duration groups' and question categories' values, one dict as the copy's). */
    private static Map<Object, long[]> subsets(List<Object> items) {
        Map<Object, List<Map<String, Object>>> subsets = new LinkedHashMap<>();
        for (Object x : items) {
            Map<String, Object> r = Doc.dict(x);
            subsets.computeIfAbsent(PyNum.key(Doc.get(r, "duration_group")), k -> new ArrayList<>()).add(r);
            subsets.computeIfAbsent(PyNum.key(Doc.get(r, "question_category")), k -> new ArrayList<>()).add(r);
        }
        Map<Object, long[]> out = new LinkedHashMap<>();
        for (var e : subsets.entrySet()) {
            long right = 0;
            for (Map<String, Object> s : e.getValue()) {
                Object gold = Doc.get(s, "answer"), pred = Doc.get(s, "parsed_pred");
                PyNum.key(Doc.get(s, "id"));
                boolean ok = gold instanceof List<?> l ? l.stream().anyMatch(a -> PyNum.eq(a, pred)) : PyNum.eq(gold, pred);
                if (ok) right++;
            }
            out.put(e.getKey(), new long[]{right, e.getValue().size()});
        }
        return out;
    }
}
