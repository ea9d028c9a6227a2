package dev.dycoke4j.eval;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code activitynetqa}: an open question answered in a word or phrase, scored by a GPT judge (yes/no and 0-5).
 * The prompt capitalizes the question the Python way and always appends "?"; the judge sees the raw question; the
 * reply is read with {@code ast.literal_eval} and {@code float(score)}; every failure scores {@code ["no", 0]}.
 */
public final class ActivityNetQa implements JudgedTask {
    private static final String SYSTEM = "You are an intelligent chatbot designed for evaluating the correctness of generative outputs for question-answer pairs. "
            + "Your task is to compare the predicted answer with the correct answer and determine if they match meaningfully. Here's how you can accomplish the task:"
            + "------"
            + "##INSTRUCTIONS: "
            + "- Focus on the meaningful match between the predicted answer and the correct answer.\n"
            + "- Consider synonyms or paraphrases as valid matches.\n"
            + "- Evaluate the correctness of the prediction compared to the answer.";
    private static final String USER_TAIL = "Provide your evaluation only as a yes/no and score where the score is an integer value between 0 and 5, with 5 indicating the highest meaningful match. "
            + "Please generate the response in the form of a Python dictionary string with keys 'pred' and 'score', where value of 'pred' is  a string of 'yes' or 'no' and value of 'score' is in INTEGER, not STRING."
            + "DO NOT PROVIDE ANY OTHER OUTPUT TEXT OR EXPLANATION. Only provide the Python dictionary string. "
            + "For example, your response should look like this: {'pred': 'yes', 'score': 4.8}.";

    @Override
    public String name() {
        return "activitynetqa";
    }

    @Override
    public Map<String, Object> kwargs() {
        return Kwargs.withDefault(Kwargs.of("default", Kwargs.of("pre_prompt", "", "post_prompt", " Answer the question using a single word or phrase.")));
    }

    @Override
    public GenerationSettings generation() {
        return new GenerationSettings(64, 0.0, false, 1.0, 1, List.of("ASSISTANT:"));
    }

    @Override
    public List<String> metrics() {
        return List.of("gpt_eval_score", "gpt_eval_accuracy");
    }

    @Override
    public String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files) {
        Map<String, Object> kw = kwargs == null ? Map.of() : kwargs;
        String pre = kw.containsKey("pre_prompt") ? PyStr.str(kw.get("pre_prompt")) : "";
        String post = kw.containsKey("post_prompt") ? PyStr.str(kw.get("post_prompt")) : "";
        Object q = Doc.get(doc, "question");
        if (!(q instanceof String raw)) throw new PyError("AttributeError", "'" + PyRepr.typeName(q) + "' object has no attribute 'capitalize'");
        return pre + PyStr.capitalize(raw) + "?" + post;
    }

    /** The chat messages the judge gets for a question, the right answer and the prediction. */
    static List<Object> messages(Object question, Object answer, Object pred) {
        String user = "Please evaluate the following video-based question-answer pair:\n\n"
                + "Question: " + PyStr.str(question) + "\n"
                + "Correct Answer: " + PyStr.str(answer) + "\n"
                + "Predicted Answer: " + PyStr.str(pred) + "\n\n"
                + USER_TAIL;
        return List.of(Kwargs.of("role", "system", "content", SYSTEM), Kwargs.of("role", "user", "content", user));
    }

    /** The copy's payload: model, messages, temperature 0, max_tokens. */
    static Map<String, Object> payload(String model, List<Object> messages, int maxTokens) {
        return Kwargs.of("model", model, "messages", messages, "temperature", BigInteger.ZERO, "max_tokens", BigInteger.valueOf(maxTokens));
    }

    /**
     * {@code get_eval}: up to 5 tries; a non-JSON body retries at once, any other failure sleeps 5 s first. After the
     * last failed try the copy's final log line reads an unbound variable, so the call raises (UnboundLocalError),
     * unless that try was a non-JSON body, which ends the loop with an empty review.
     */
    static String getEval(Judge judge, Object question, Object answer, Object pred, int maxTokens) {
        String body = PyJson.dumps(payload(judge.model(), messages(question, answer, pred), maxTokens));
        for (int attempt = 0; attempt < Judge.RETRIES; attempt++) {
            try {
                Judge.Reply r = judge.post(body);
                if (r.status() < 400 || r.status() >= 600) {
                    Object data;
                    try {
                        data = JudgeReplies.json(r.body());
                    } catch (PyError notJson) {
                        continue;
                    }
                    String content = JudgeReplies.content(data);
                    if (!content.isEmpty()) {
                        JudgeReplies.item(data, "model");
                        return content;
                    }
                }
            } catch (IOException | PyError e) {
                // logged by the copy; the retry below
            }
            if (attempt < Judge.RETRIES - 1) judge.sleeper().sleep(Judge.RETRY_SLEEP_SECONDS);
            else throw new PyError("UnboundLocalError", "cannot access local variable 'e' where it is not associated with a value");
        }
        return "";
    }

    /** {@code parse_score}: {@code [pred, float(score)]} from the reply, or {@code ["no", 0]} on any failure. */
    public static List<Object> parseScore(String review) {
        List<Object> parsed = readScore(review);
        if (parsed != null) return parsed;
        List<Object> out = new ArrayList<>();
        out.add("no");
        out.add(BigInteger.ZERO);
        return out;
    }

    /** {@code parse_score} when the reply reads, else null. */
    private static List<Object> readScore(String review) {
        try {
            Object d = PyLiteral.literalEval(review);
            if (!(d instanceof Map<?, ?> m)) throw new PyError("AttributeError", "no attribute 'get'");
            Object pred = m.containsKey("pred") ? m.get("pred") : "no";
            Object score = m.containsKey("score") ? m.get("score") : BigInteger.ZERO;
            List<Object> out = new ArrayList<>();
            out.add(pred);
            out.add(PyNum.toFloat(score));
            return out;
        } catch (PyError e) {
            return null;
        }
    }

    @Override
    public Judgement judge(Map<String, Object> doc, String response, Judge judge) {
        String pred = PyStr.strip(response);
        String review;
        try {
            review = getEval(judge, Doc.get(doc, "question"), Doc.get(doc, "answer"), pred, 64);
        } catch (PyError e) {
            return Judgement.failed("no usable reply in " + Judge.RETRIES + " tries");
        }
        if (review.isEmpty()) return Judgement.failed("the last reply was not JSON");
        List<Object> scores = readScore(review);
        return new Judgement(entries(doc, pred, scores != null ? scores : parseScore(review)), null, scores == null);
    }

    @Override
    public Map<String, Object> results(Map<String, Object> doc, String pred, ScoringContext ctx) {
        List<Object> scores;
        try {
            Object question = Doc.get(doc, "question");
            Object answer = Doc.get(doc, "answer");
            scores = parseScore(getEval(ctx.judge(), question, answer, pred, 64));
        } catch (PyError e) {
            scores = List.of("no", BigInteger.ZERO);
        }
        return entries(doc, pred, scores);
    }

    private static Map<String, Object> entries(Map<String, Object> doc, String pred, List<Object> scores) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("gpt_eval_score", entry(doc, pred, scores));
        out.put("gpt_eval_accuracy", entry(doc, pred, scores));
        return out;
    }

    private static Map<String, Object> entry(Map<String, Object> doc, String pred, List<Object> scores) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("video_name", Doc.get(doc, "video_name"));
        m.put("question", Doc.get(doc, "question"));
        m.put("answer", Doc.get(doc, "answer"));
        m.put("pred", pred);
        m.put("question_id", Doc.get(doc, "question_id"));
        m.put("type", Doc.get(doc, "type"));
        m.put("Correctness", scores.get(0));
        m.put("score", scores.get(1));
        return m;
    }

    @Override
    public Object aggregate(String metric, List<Object> items) {
        int yes = 0, no = 0;
        Object total = BigInteger.ZERO;
        for (Object x : items) {
            Map<String, Object> r = Doc.dict(x);
            if (PyNum.eq(Doc.get(r, "Correctness"), "yes")) yes++;
            else no++;
            total = PyNum.add(total, Doc.get(r, "score"));
        }
        Object accuracy = yes + no > 0 ? (Object) PyNum.truediv(BigInteger.valueOf(yes), BigInteger.valueOf(yes + no)) : BigInteger.ZERO;
        Object average = items.isEmpty() ? BigInteger.ZERO : (Object) PyNum.truediv(total, BigInteger.valueOf(items.size()));
        return switch (metric) {
            case "gpt_eval_score" -> average;
            case "gpt_eval_accuracy" -> PyNum.mul(accuracy, BigInteger.valueOf(100));
            default -> throw new PyError("KeyError", PyRepr.reprStr(metric));
        };
    }
}
