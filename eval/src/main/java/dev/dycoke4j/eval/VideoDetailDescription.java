package dev.dycoke4j.eval;

import java.io.IOException;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code video_dc499} (VideoDC): the question verbatim, the description scored 0-5 by a GPT judge for detail
 * orientation. The score is {@code int(score)} of the reply; failures end inconsistently, as in the copy: the
 * "repetitive patterns" check after a failed try reads the reply body as an OpenAI error, so a reply that is not one
 * (an empty or null content, an HTTP error with a non-JSON body) aborts the judgement after one request.
 */
public final class VideoDetailDescription implements JudgedTask {
    static final String FAILED = "Failed to Get a Proper Review.";
    private static final String REPETITIVE = "Sorry! We've encountered an issue with repetitive patterns in your prompt. Please try again with a different prompt.";
    private static final String SYSTEM = "You are an intelligent chatbot designed for evaluating the detail orientation of generative outputs for video-based question-answer pairs. "
            + "Your task is to compare the predicted answer with the correct answer and determine its level of detail, considering both completeness and specificity. Here's how you can accomplish the task:"
            + "------"
            + "##INSTRUCTIONS: "
            + "- Check if the predicted answer covers all major points from the video. The response should not leave out any key aspects.\n"
            + "- Evaluate whether the predicted answer includes specific details rather than just generic points. It should provide comprehensive information that is tied to specific elements of the video.\n"
            + "- Consider synonyms or paraphrases as valid matches.\n"
            + "- Provide a single evaluation score that reflects the level of detail orientation of the prediction, considering both completeness and specificity.";
    private static final String USER_TAIL = "Provide your evaluation only as a detail orientation score where the detail orientation score is an integer value between 0 and 5, with 5 indicating the highest level of detail orientation. "
            + "Please generate the response in the form of a Python dictionary string with keys 'score', where its value is the detail orientation score in INTEGER, not STRING."
            + "DO NOT PROVIDE ANY OTHER OUTPUT TEXT OR EXPLANATION. Only provide the Python dictionary string. "
            + "For example, your response should look like this: {'score': 4.8}.";

    @Override
    public String name() {
        return "video_dc499";
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
        return List.of("gpt_eval_score");
    }

    @Override
    public String prompt(Map<String, Object> doc, Map<String, Object> kwargs, CacheFiles files) {
        Map<String, Object> kw = kwargs == null ? Map.of() : kwargs;
        String pre = kw.containsKey("pre_prompt") ? PyStr.str(kw.get("pre_prompt")) : "";
        String post = kw.containsKey("post_prompt") ? PyStr.str(kw.get("post_prompt")) : "";
        return pre + PyStr.str(Doc.get(doc, "question")) + post;
    }

    static List<Object> messages(Object question, Object answer, Object pred) {
        String user = "Please evaluate the following video-based question-answer pair:\n\n"
                + "Question: " + PyStr.str(question) + "\n"
                + "Correct Answer: " + PyStr.str(answer) + "\n"
                + "Predicted Answer: " + PyStr.str(pred) + "\n\n"
                + USER_TAIL;
        return List.of(Kwargs.of("role", "system", "content", SYSTEM), Kwargs.of("role", "user", "content", user));
    }

    /** A finished judgement: the review text (maybe empty) or a raised error that the caller turns into the failure. */
    static String getEvalGeneric(Judge judge, Object question, Object answer, Object pred, int maxTokens) {
        String body = PyJson.dumps(ActivityNetQa.payload(judge.model(), messages(question, answer, pred), maxTokens));
        Judge.Reply last = null;
        for (int attempt = 0; attempt < Judge.RETRIES; attempt++) {
            try {
                Judge.Reply r = judge.post(body);
                last = r;
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
                // logged by the copy; the check below
            }
            // the copy reads json.loads(response.content)["error"]["message"] of this try's reply
            if (last == null) throw new PyError("UnboundLocalError", "cannot access local variable 'response'");
            Object message = JudgeReplies.item(JudgeReplies.item(JudgeReplies.json(last.body()), "error"), "message");
            if (JudgeReplies.contains(message, REPETITIVE)) return "";
            if (attempt < Judge.RETRIES - 1) judge.sleeper().sleep(Judge.RETRY_SLEEP_SECONDS);
            else return "";
        }
        return "";
    }

    /** {@code parse_score}: {@code int(score)} of the reply's dict, 0 on any failure. */
    public static BigInteger parseScore(String review) {
        BigInteger s = readScore(review);
        return s != null ? s : BigInteger.ZERO;
    }

    /** {@code parse_score} when the reply reads, else null. */
    private static BigInteger readScore(String review) {
        try {
            Object d = PyLiteral.literalEval(review);
            if (!(d instanceof Map<?, ?> m)) throw new PyError("AttributeError", "no attribute 'get'");
            Object score = m.containsKey("score") ? m.get("score") : BigInteger.ZERO;
            return PyNum.toInt(score);
        } catch (PyError e) {
            return null;
        }
    }

    @Override
    public Judgement judge(Map<String, Object> doc, String response, Judge judge) {
        String pred = PyStr.strip(response);
        String review;
        try {
            review = getEvalGeneric(judge, Doc.get(doc, "question"), Doc.get(doc, "answer"), pred, 64);
        } catch (PyError e) {
            return Judgement.failed("no usable reply (" + e.type() + " reading the failed reply as an OpenAI error)");
        }
        if (review.isEmpty()) return Judgement.failed("no usable reply in " + Judge.RETRIES + " tries");
        BigInteger score = readScore(review);
        return new Judgement(entries(doc, pred, score != null ? score : BigInteger.ZERO, review), null, score == null);
    }

    @Override
    public Map<String, Object> results(Map<String, Object> doc, String pred, ScoringContext ctx) {
        Map<String, Object> d = new LinkedHashMap<>(doc);
        d.put("pred", pred);
        String review;
        Object score;
        try {
            Object question = Doc.get(d, "question"), answer = Doc.get(d, "answer"), p = Doc.get(d, "pred");
            review = getEvalGeneric(ctx.judge(), question, answer, p, 64);
            score = parseScore(review);
        } catch (PyError e) {
            review = FAILED;
            score = BigInteger.ZERO;
        }
        return entries(d, pred, score, review);
    }

    private static Map<String, Object> entries(Map<String, Object> d, String pred, Object score, String review) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("video_name", Doc.get(d, "video_name"));
        m.put("question", Doc.get(d, "question"));
        m.put("answer", Doc.get(d, "answer"));
        m.put("pred", pred);
        m.put("score", score);
        m.put("review", review);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("gpt_eval_score", m);
        return out;
    }

    @Override
    public Object aggregate(String metric, List<Object> items) {
        checkMetric(metric);
        Object score = BigInteger.ZERO;
        for (Object x : items) {
            Object raw = Doc.get(Doc.dict(x), "score");
            Object s;
            try {
                s = PyNum.toInt(raw);
            } catch (PyError e) {
                s = 0.0;
            }
            score = PyNum.add(score, s);
        }
        return PyNum.truediv(score, BigInteger.valueOf(items.size()));
    }
}
