package dev.dycoke4j.cli;

import dev.dycoke4j.hub.ModelFiles;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VideoSession;
import dev.dycoke4j.video.VideoFileSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dycoke chat}: questions about one video from standard input, one per line, each answered independently
 * (no conversation history) from the video encoded once and its cached prompt prefix. Ends at end of input, an
 * empty line or {@code /exit}.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Ask questions about a video interactively: one per line on standard input; an empty line, /exit or end of input quits.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Mixin
    ModelOptions model;

    @Mixin
    PoolingHeadOptions poolingHead;

    @Mixin
    VideoOptions video;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    CompressOptions compress;

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
        boolean interactive = main.in == System.in && System.console() != null;
        Path dir = model.resolve(ModelFiles.Need.MODEL);
        boolean qwen = QwenChecks.isQwen(dir);
        source = sampling.source(source, qwen);
        if (qwen) QwenChecks.all(dir, video.video, sampling, comp);
        try (VideoQa qa = Prologue.load(dir, model, weights, poolingHead, comp)) {
            caches.apply(qa);
            VideoSession session = qa.open(source, sampling.vision(), comp);
            err.println("dycoke chat: " + session.frames() + " frames, " + session.visualTokens() + " visual tokens"
                    + (session.visionCached() ? " (cached)" : "") + "; one question per line, an empty line or /exit quits");
            err.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(main.in, StandardCharsets.UTF_8));
            while (true) {
                if (interactive) {
                    err.print("> ");
                    err.flush();
                }
                String line = in.readLine();
                if (line == null || line.isBlank() || line.strip().equals("/exit")) break;
                Answer a = session.ask(line.strip(), opts, piece -> {
                    out.print(piece);
                    out.flush();
                });
                out.println();
                out.flush();
                err.println(a.stats().line());
                err.flush();
            }
        }
        return 0;
    }
}
