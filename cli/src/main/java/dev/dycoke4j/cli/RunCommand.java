package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.Stats;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.video.VideoReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dycoke run}: answer a question about a video, streaming the answer. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Answer a question about a video.")
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--video", required = true, paramLabel = "FILE", description = "A video file (anything FFmpeg decodes) or a folder of frame images.")
    Path video;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The question.")
    String prompt;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    CompressOptions compress;

    @Option(names = "--json", description = "Print {answer, token_ids, stats} as JSON instead of streaming text.")
    boolean json;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        GenerationOptions opts = sampling.options();
        var comp = compress.options();
        if (!Files.exists(video)) throw new UsageException(video + ": video not found");
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        ProgressBar bar = new ProgressBar(System.err);
        bar.message("loading " + model + " ...");
        try (VideoQa qa = VideoQa.load(model, weights.options(err))) {
            bar.clear();
            qa.progress(bar);
            Answer a = qa.ask(n -> {
                var sampled = VideoReader.readUniform(video, n);
                if (sampled.fewerThanRequested())
                    err.println("dycoke: " + video + " has only " + sampled.totalFrames() + " frames; using each once instead of " + n);
                return sampled.frames();
            }, sampling.frames, prompt, opts, comp, json ? null : piece -> {
                out.print(piece);
                out.flush();
            });
            if (json) {
                out.println(toJson(a).toPrettyString());
            } else {
                out.println();
                out.flush();
                err.println(a.stats().line());
            err.flush();
            }
        }
        return 0;
    }

    static ObjectNode toJson(Answer a) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("answer", a.text());
        var ids = root.putArray("token_ids");
        for (int id : a.tokenIds()) ids.add(id);
        Stats s = a.stats();
        ObjectNode st = root.putObject("stats");
        st.put("method", s.method());
        st.put("frames", s.frames());
        st.put("visual_tokens_pooled", s.visualTokens());
        st.put("visual_tokens_kept", s.visualKept());
        st.put("visual_tokens_attended_mean", s.visualAttended());
        st.put("prompt_tokens", s.promptTokens());
        st.put("generated_tokens", s.generatedTokens());
        ObjectNode sec = st.putObject("seconds");
        sec.put("decode_video", s.seconds().decodeVideo());
        sec.put("preprocess", s.seconds().preprocess());
        sec.put("vision", s.seconds().vision());
        sec.put("compress", s.seconds().compress());
        sec.put("prefill", s.seconds().prefill());
        sec.put("generate", s.seconds().generate());
        sec.put("total", s.seconds().total());
        st.put("decode_tokens_per_s", s.tokensPerSecond());
        st.put("kv_bytes", s.kvCacheBytes() + s.kvPrunedBytes());
        st.put("kv_bytes_active", s.kvCacheBytes());
        st.put("kv_bytes_pruned", s.kvPrunedBytes());
        st.put("flops_llm", s.flopsLlm());
        st.put("peak_rss_bytes", s.peakRssBytes());
        return root;
    }
}
