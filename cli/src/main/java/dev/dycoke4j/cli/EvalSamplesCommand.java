package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code dycoke eval samples}: a samples file of made-up Video-MME questions about one clip (the synthetic bench clip
 * by default), for measuring the harness's own cost and the methods' fidelity without a dataset: {@code dycoke eval run
 * --samples} over it gives seconds per sample by stage and the agreement with {@code none} for every cell. The answers
 * are arbitrary, so the scores mean nothing; the costs and the fidelity do.
 */
@Command(name = "samples", mixinStandardHelpOptions = true,
        description = "Write a samples file of made-up Video-MME questions about one clip, for measuring the harness's cost and fidelity with eval run --samples.")
final class EvalSamplesCommand implements Callable<Integer> {
    /** A question's task type, the question and its right letter; the options are the same for all. */
    private record Question(String taskType, String question, String answer) {
    }

    private static final List<Question> QUESTIONS = List.of(
            new Question("Object Recognition", "Which shape is in the middle of the frame at the start of the video?", "B"),
            new Question("Counting Problem", "How many moving objects appear in the video?", "C"),
            new Question("Attribute Perception", "What colour is the largest shape?", "A"),
            new Question("Temporal Perception", "What happens right after the shapes first cross?", "D"),
            new Question("Spatial Perception", "Where is the smallest shape at the end of the video?", "B"),
            new Question("Action Recognition", "What are the shapes doing for most of the video?", "A"));
    private static final List<String> OPTIONS = List.of("A. A red circle.", "B. A blue square.", "C. Three.", "D. They change places.");

    @Spec
    CommandSpec spec;

    @Option(names = "--clip", paramLabel = "FILE", description = "The video the questions are about (default: the synthetic 10 s 640x360 clip of dycoke bench, made once).")
    Path clip;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where the default clip is kept (default: as for bench).")
    Path cache;

    @Option(names = "--questions", paramLabel = "N", defaultValue = "3",
            description = "Questions about the clip (default: ${DEFAULT-VALUE}, as many as Video-MME asks about each video).")
    int questions;

    @Option(names = "--out", paramLabel = "FILE.jsonl", required = true, description = "The samples file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (questions < 1) throw new UsageException("--questions must be at least 1, got " + questions);
        Path video = clip != null ? clip : BenchAssets.clip(cache, err);
        if (!Files.isRegularFile(video)) throw new UsageException("--clip " + video + ": no such file");
        if (Files.isDirectory(out)) throw new UsageException("--out " + out + " is a directory; give the samples file's path");
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < questions; i++) {
            Question q = QUESTIONS.get(i % QUESTIONS.size());
            ObjectNode doc = json.createObjectNode();
            doc.put("video_id", "001").put("duration", "short").put("domain", "Knowledge").put("sub_category", "Technology")
                    .put("url", "https://www.youtube.com/watch?v=synthetic00").put("videoID", "synthetic00").put("question_id", "001-" + (i + 1))
                    .put("task_type", q.taskType()).put("question", q.question());
            OPTIONS.forEach(doc.putArray("options")::add);
            doc.put("answer", q.answer());
            ObjectNode sample = json.createObjectNode().put("task", "videomme").put("doc_id", i).put("video", video.toAbsolutePath().normalize().toString());
            sample.set("doc", doc);
            lines.add(json.writeValueAsString(sample));
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.write(out, lines);
        err.println("dycoke eval: " + questions + " Video-MME question" + (questions == 1 ? "" : "s") + " about " + video + " in " + out);
        err.flush();
        return 0;
    }
}
