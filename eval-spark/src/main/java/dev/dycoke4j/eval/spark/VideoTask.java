package dev.dycoke4j.eval.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.eval.PyJson;
import dev.dycoke4j.eval.data.EvalSample;

import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One video's samples, the unit of work sent to an executor (one per partition element, so a video is never split):
 * its place in the run's order, the samples as JSON (task, doc id, the dataset row, the video's absolute path), and
 * the keys of what the predictions already hold for them.
 */
record VideoTask(int index, List<String> samples, List<String> done) implements Serializable {
    static final ObjectMapper JSON = new ObjectMapper();

    static VideoTask of(int index, List<EvalSample> samples, List<String> done) {
        List<String> s = new ArrayList<>();
        for (EvalSample x : samples) {
            ObjectNode n = JSON.createObjectNode();
            n.put("task", x.task()).put("doc_id", x.docId()).put("video", x.video().toString());
            n.set("doc", PyJson.toJson(x.doc()));
            s.add(n.toString());
        }
        return new VideoTask(index, List.copyOf(s), List.copyOf(done));
    }

    @SuppressWarnings("unchecked")
    List<EvalSample> sampleList() {
        List<EvalSample> out = new ArrayList<>();
        for (String line : samples) {
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
            out.add(new EvalSample(n.get("task").asText(), n.get("doc_id").asInt(), (Map<String, Object>) PyJson.fromJson(n.get("doc")),
                    Path.of(n.get("video").asText())));
        }
        return out;
    }
}
