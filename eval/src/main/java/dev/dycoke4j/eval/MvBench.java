package dev.dycoke4j.eval;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mvbench_<sub_task>}: the question, "A. c0\nB. c1\n..." and the post prompt right after the last option line.
 * {@code mcq_acc} compares letters: "X. text" gives X; otherwise punctuation goes, the text is lower-cased and the
 * first {@code \b[A-E]\b} wins (any case), else the whole text. The ground truth is the letter of the candidate equal
 * to {@code answer}; if none is, it is None and scoring raises AttributeError. Empty predictions are left out of the
 * accuracy's denominator.
 */
public final class MvBench implements Task {
    /** The 20 sub-tasks. */
    public static final List<String> SUB_TASKS = List.of("action_sequence", "action_prediction", "action_antonym", "fine_grained_action",
            "unexpected_action", "object_existence", "object_interaction", "object_shuffle", "moving_direction", "action_localization",
            "scene_transition", "action_count", "moving_count", "moving_attribute", "state_change", "fine_grained_pose", "character_order",
            "egocentric_navigation", "episodic_reasoning", "counterfactual_inference");
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final List<String> PUNCT = List.of(";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!");

    private final String subTask;

    public MvBench(String subTask) {
        if (!SUB_TASKS.contains(subTask)) throw new IllegalArgumentException("unknown MVBench sub-task: " + subTask);
        this.subTask = subTask;
    }

    @Override
    public String name() {
        return "mvbench_" + subTask;
    }

    @Override
    public Map<String, Object> kwargs() {
        return Kwargs.withDefault(Kwargs.of("default", Kwargs.of("sub_task", subTask,
                "post_prompt", "Answer with the option's letter from the given choices directly.")));
    }

    @Override
    public GenerationSettings generation() {
        return GenerationSettings.greedy(16, 1.0);
    }

    @Override
    public List<String> metrics() {
        return List.of("mvbench_accuracy");
    }

    @Override
    public String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files) {
        StringBuilder options = new StringBuilder();
        List<?> candidates = Doc.list(Doc.get(doc, "candidates"));
        for (int i = 0; i < candidates.size(); i++) {
            if (i >= UPPER.length()) throw new PyError("IndexError", "string index out of range");
            options.append(UPPER.charAt(i)).append(". ").append(PyStr.str(candidates.get(i))).append('\n');
        }
        return PyStr.requireStr(Doc.get(doc, "question"), "question") + "\n" + options
                + PyStr.requireStr(Doc.get(kwargs, "post_prompt"), "post_prompt");
    }

    @Override
    public List<String> choices(Map<String, Object> doc) {
        int n = Math.min(Doc.list(Doc.get(doc, "candidates")).size(), UPPER.length());
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) out.add(String.valueOf(UPPER.charAt(i)));
        return out;
    }

    /** {@code mcq_acc} reads a letter A-E out of the answer, else compares the whole processed text. */
    @Override
    public boolean parseFailed(Map<String, Object> doc, String response) {
        String p = process(PyStr.strip(response));
        return !(p.length() == 1 && "ABCDE".contains(p));
    }

    /** {@code mcq_acc(answer, pred)}: 1 when both process to the same letter (or text), else 0. */
    static int mcqAcc(Object answer, String pred) {
        String p = process(pred);
        if (!(answer instanceof String a)) throw new PyError("AttributeError", "'" + PyRepr.typeName(answer) + "' object has no attribute 'strip'");
        return p.equals(process(a)) ? 1 : 0;
    }

    static String process(String answer) {
        String s = PyStr.strip(answer);
        // ^([A-E])\.\s*(.+)$ with IGNORECASE: a letter, a dot, optional whitespace, then at least one character on the last line
        if (s.length() >= 2 && "ABCDEabcde".indexOf(s.charAt(0)) >= 0 && s.charAt(1) == '.' && optionTail(s.substring(2)))
            return String.valueOf(Character.toUpperCase(s.charAt(0)));
        s = answer.replace("\n", " ").replace("\t", " ");
        s = PyStr.strip(s);
        s = processPunctuation(s);
        s = PyStr.strip(s, "'");
        s = PyStr.strip(s, "\"");
        s = PyStr.strip(s, ")");
        s = PyStr.strip(s, "(");
        s = PyStr.lower(PyStr.strip(s));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("ABCDEabcde".indexOf(c) >= 0 && PyStr.wordBoundary(s, i) && PyStr.wordBoundary(s, i + 1))
                return String.valueOf(Character.toUpperCase(c));
        }
        return s;
    }

    /** Whether {@code \s*(.+)$} matches the rest: whitespace up to some point, then a non-empty tail without '\n'. */
    private static boolean optionTail(String rest) {
        int nl = rest.lastIndexOf('\n');
        String tail = rest.substring(nl + 1);
        for (int i = 0; i <= nl; i++) if (!PyStr.isSpace(rest.charAt(i))) return false;
        if (!tail.isEmpty()) return true;
        // an empty last line: '$' also matches before a final '\n', leaving the line before it as the tail
        if (nl < 0) return false;
        int prev = rest.lastIndexOf('\n', nl - 1);
        String before = rest.substring(prev + 1, nl);
        for (int i = 0; i <= prev; i++) if (!PyStr.isSpace(rest.charAt(i))) return false;
        return !before.isEmpty();
    }

    /** The copy's {@code processPunctuation}, including {@code periodStrip.sub("", text, re.UNICODE)}: at most 32 periods go. */
    static String processPunctuation(String in) {
        String out = in;
        boolean commaDigits = hasCommaBetweenDigits(in);
        for (String p : PUNCT) {
            if (in.contains(p + " ") || in.contains(" " + p) || commaDigits) out = out.replace(p, "");
            else out = out.replace(p, " ");
        }
        // (?!<=\d)(\.)(?!\d): a period not followed by a digit; re.UNICODE (32) lands in the count argument
        StringBuilder sb = new StringBuilder(out.length());
        int removed = 0;
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c == '.' && removed < 32 && !(i + 1 < out.length() && isDecimal(out.codePointAt(i + 1)))) {
                removed++;
                continue;
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static boolean isDecimal(int c) {
        return Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER;
    }

    /** {@code (\d)(\,)(\d)} with Python's Unicode digits. */
    private static boolean hasCommaBetweenDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != ',' || i == 0 || i + 1 >= s.length()) continue;
            if (isDecimal(s.codePointBefore(i)) && isDecimal(s.codePointAt(i + 1))) return true;
        }
        return false;
    }

    @Override
    public Map<String, Object> results(Map<String, Object> doc, String pred, ScoringContext ctx) {
        Object gt = null;
        List<?> candidates = Doc.list(Doc.get(doc, "candidates"));
        Object answer = Doc.get(doc, "answer");
        for (int i = 0; i < candidates.size(); i++) {
            if (PyNum.eq(candidates.get(i), answer)) {
                if (i >= UPPER.length()) throw new PyError("IndexError", "string index out of range");
                gt = String.valueOf(UPPER.charAt(i));
                break;
            }
        }
        int score = mcqAcc(gt, pred);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("pred_answer", pred);
        d.put("gt_answer", gt);
        d.put("score", BigInteger.valueOf(score));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mvbench_accuracy", d);
        return out;
    }

    @Override
    public Object aggregate(String metric, List<Object> items) {
        checkMetric(metric);
        long answered = 0;
        Object correct = BigInteger.ZERO;
        for (Object x : items) {
            Map<String, Object> r = Doc.dict(x);
            if (!PyNum.eq(Doc.get(r, "pred_answer"), "")) {
                answered++;
                correct = PyNum.add(correct, Doc.get(r, "score"));
            }
        }
        return answered > 0 ? (Object) PyNum.truediv(PyNum.mul(BigInteger.valueOf(100), correct), BigInteger.valueOf(answered)) : BigInteger.ZERO;
    }
}
