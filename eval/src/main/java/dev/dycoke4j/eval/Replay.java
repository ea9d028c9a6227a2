package dev.dycoke4j.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one record of the eval oracle's format (see its README) through the tasks: a {@code prompt}, a {@code parse}
 * (with the judge pointed at a {@link FakeJudgeEndpoint} playing the record's {@code judge_script}), a
 * {@code judge_request}, a {@code judge_parse} or an {@code aggregate}. The result is what the original function
 * returned, or the Python exception type it raised. The copy's sleeps between judge retries are counted, not slept.
 */
public final class Replay {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Replay() {
    }

    /** A record's outcome: {@code got} (a JSON value, possibly null) or the Python {@code error} type. */
    public record Outcome(String id, JsonNode got, String error, int sleptSeconds) {
        /** The output line's object: {@code {"id": ..., "got": ...}} or {@code {"id": ..., "error": ...}}. */
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("id", id);
            if (error != null) o.put("error", error);
            else o.set("got", got == null ? JsonNodeFactory.instance.nullNode() : got);
            return o;
        }
    }

    /** Whether the record is the file's {@code meta} line (which has no outcome). */
    public static boolean isMeta(JsonNode record) {
        return "meta".equals(record.path("kind").asText());
    }

    /**
     * Runs a record. An IllegalArgumentException names what is wrong with a record that is not in the format (no id,
     * an unknown kind or task, a missing input field).
     */
    @SuppressWarnings("unchecked")
    public static Outcome run(JsonNode record) {
        String id = text(record, "id");
        String kind = text(record, "kind");
        Task task = Tasks.get(text(record, "task"));
        int[] slept = {0};
        try {
            JsonNode got = switch (kind) {
                case "prompt" -> {
                    Map<String, Object> doc = doc(record);
                    JsonNode kw = record.get("lmms_eval_specific_kwargs");
                    Map<String, Object> kwargs = kw == null || kw.isNull() ? null : (Map<String, Object>) PyJson.fromJson(kw);
                    yield PyJson.toJson(task.prompt(doc, kwargs, fixtures(record, doc)));
                }
                case "parse", "judge_request" -> {
                    Map<String, Object> doc = doc(record);
                    String response = record.has("response") ? text(record, "response") : text(record, "prediction");
                    if (!record.has("judge_script")) {
                        if (kind.equals("judge_request")) throw new IllegalArgumentException("record " + id + ": a judge_request needs a judge_script");
                        yield PyJson.toJson(task.processResults(doc, response, ScoringContext.seeded(null)));
                    }
                    try (FakeJudgeEndpoint fake = new FakeJudgeEndpoint(record.get("judge_script"))) {
                        List<Judge.Request> sent = new ArrayList<>();
                        Judge judge = judgeAt(fake.base(), sent::add, seconds -> slept[0] += seconds);
                        Map<String, Object> results = task.processResults(doc, response, ScoringContext.seeded(judge));
                        if (kind.equals("parse")) yield PyJson.toJson(results);
                        if (sent.isEmpty()) yield null;
                        // what reached the endpoint, with the url and timeout the copy asked for
                        Map<String, Object> req = new java.util.LinkedHashMap<>();
                        req.put("url", sent.getFirst().url().toString());
                        req.put("payload", PyJson.fromJson(JSON.readTree(fake.requestBodies().getFirst())));
                        req.put("timeout", BigInteger.valueOf(sent.getFirst().timeoutSeconds()));
                        yield PyJson.toJson(req);
                    }
                }
                case "judge_parse" -> {
                    String review = text(record, "review");
                    yield switch (task.name()) {
                        case "activitynetqa" -> PyJson.toJson(ActivityNetQa.parseScore(review));
                        case "video_dc499" -> PyJson.toJson(VideoDetailDescription.parseScore(review));
                        default -> throw new IllegalArgumentException("record " + id + ": task " + task.name() + " has no judge");
                    };
                }
                case "aggregate" -> {
                    if (!record.has("items") || !record.get("items").isArray()) throw new IllegalArgumentException("record " + id + ": no 'items' list");
                    String metric = text(record, "metric");
                    if (!task.metrics().contains(metric)) throw new IllegalArgumentException("record " + id + ": task " + task.name() + " has no metric " + metric);
                    yield PyJson.toJson(task.aggregate(metric, (List<Object>) PyJson.fromJson(record.get("items"))));
                }
                default -> throw new IllegalArgumentException("record " + id + ": unknown kind '" + kind + "'");
            };
            return new Outcome(id, got, null, slept[0]);
        } catch (PyError e) {
            return new Outcome(id, null, e.type(), slept[0]);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("record " + id + ": the judge received a body that is not JSON", e);
        } catch (IOException e) {
            throw new UncheckedIOException("record " + id + ": could not start the fake judge endpoint", e);
        }
    }

    /** A judge that posts as the copy would to its default url, but reaches the fake endpoint at {@code base}. */
    static Judge judgeAt(URI base, java.util.function.Consumer<Judge.Request> onRequest, Judge.Sleeper sleeper) {
        HttpJudgeTransport http = new HttpJudgeTransport("YOUR_API_KEY");
        Judge.Transport redirect = (url, body, timeout) -> http.post(base.resolve(url.getRawPath()), body, timeout);
        return new Judge(Judge.DEFAULT_URL, Judge.DEFAULT_MODEL, redirect, sleeper, onRequest);
    }

    private static String text(JsonNode record, String field) {
        JsonNode n = record.get(field);
        if (n == null || !n.isTextual()) {
            String id = record.path("id").isTextual() ? record.get("id").asText() : "?";
            throw new IllegalArgumentException("record " + id + ": no text field '" + field + "'");
        }
        return n.textValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> doc(JsonNode record) {
        JsonNode d = record.get("doc");
        if (d == null || !d.isObject()) throw new IllegalArgumentException("record " + record.path("id").asText("?") + ": no 'doc' object");
        return (Map<String, Object>) PyJson.fromJson(d);
    }

    /** The files a prompt reads, from the record's {@code fixtures}. */
    private static CacheFiles fixtures(JsonNode record, Map<String, Object> doc) throws JsonProcessingException {
        JsonNode f = record.get("fixtures");
        if (f == null || !f.isObject()) return CacheFiles.NONE;
        Map<String, String> texts = new HashMap<>();
        Map<String, CacheFiles.VideoProbe> videos = new HashMap<>();
        if (doc.get("videoID") instanceof String vid) {
            if (f.hasNonNull("subtitle_srt")) texts.put("videomme/subtitle/" + vid + ".srt", f.get("subtitle_srt").asText());
            JsonNode v = f.get("video_at_vendored_path");
            if (v != null && v.isObject())
                videos.put("videomme/" + vid + ".mp4", new CacheFiles.VideoProbe(v.path("fps").asDouble(), v.path("frame_count").asLong()));
        }
        if (f.has("subtitles_json") && doc.get("subtitle_path") != null)
            texts.put("longvideobench/subtitles/" + PyStr.str(doc.get("subtitle_path")), JSON.writeValueAsString(f.get("subtitles_json")));
        return new CacheFiles() {
            @Override
            public String text(String path) {
                return texts.get(path);
            }

            @Override
            public VideoProbe video(String path) {
                return videos.get(path);
            }
        };
    }
}
