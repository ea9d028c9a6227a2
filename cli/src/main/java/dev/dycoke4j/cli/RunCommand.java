package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.hub.ModelFiles;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.StatsJson;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VideoSession;
import dev.dycoke4j.video.VideoFileSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code dycoke run}: answer one or more questions about a video, streaming each answer. The checkpoint's
 * {@code config.json} picks the model family; both run through {@link VideoQa}'s stages, a Qwen2.5-VL checkpoint after
 * {@link QwenChecks}.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Answer one or more questions about a video.")
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    PoolingHeadOptions poolingHead;

    @Mixin
    VideoOptions video;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT",
            description = "The question; repeat it to ask several, each answered independently about the same video (the video is encoded once and the prompt's video prefix is reused).")
    List<String> prompts;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    CompressOptions compress;

    @Option(names = "--json", description = "Print {answer, token_ids, stats} as JSON instead of streaming text ({answers: [...]} for several prompts).")
    boolean json;

    @Mixin
    CacheOptions caches;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        GenerationOptions opts = sampling.options();
        var comp = compress.options();
        VideoFileSource source = video.source();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Path dir = model.resolve(ModelFiles.Need.MODEL);
        boolean qwen = QwenChecks.isQwen(dir);
        source = sampling.source(source, qwen);
        if (qwen) QwenChecks.all(dir, video.video, sampling, comp);
        try (VideoQa qa = Prologue.load(dir, model, weights, poolingHead, comp)) {
            caches.apply(qa);
            VideoSession session = qa.open(source, sampling.vision(), comp);
            AnswerPrinter printer = new AnswerPrinter(json, prompts.size(), out, err);
            for (String prompt : prompts) {
                Answer a = session.ask(prompt, opts, printer.begin(prompt));
                printer.end(a);
            }
            printer.finish();
        }
        return 0;
    }

    /** {@code {answer, token_ids, stats}}. */
    static ObjectNode toJson(Answer a) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("answer", a.text());
        var ids = root.putArray("token_ids");
        for (int id : a.tokenIds()) ids.add(id);
        root.set("stats", StatsJson.of(a.stats()));
        return root;
    }
}
