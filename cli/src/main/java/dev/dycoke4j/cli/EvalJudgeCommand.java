package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.eval.Judge;
import dev.dycoke4j.eval.run.JudgeStep;
import dev.dycoke4j.eval.run.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code dycoke eval judge DIR}: the GPT-judge step of ActivityNet-QA and VideoDC over the predictions in DIR,
 * resumable, through any OpenAI-compatible chat-completions endpoint; then the results are rewritten.
 */
@Command(name = "judge", mixinStandardHelpOptions = true,
        description = "Judge the saved predictions of ActivityNet-QA and VideoDC with a GPT judge (any OpenAI-compatible endpoint), resumably.")
final class EvalJudgeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The output folder of 'dycoke eval run'.")
    Path dir;

    @Option(names = "--judge-url", paramLabel = "URL", description = "The chat-completions endpoint (default: OPENAI_API_URL, else ${DEFAULT-VALUE}).",
            defaultValue = "https://api.openai.com/v1/chat/completions")
    String url;

    @Option(names = "--judge-model", paramLabel = "NAME", defaultValue = Judge.DEFAULT_MODEL, description = "The judge model (default: ${DEFAULT-VALUE}, as DyCoke's copy).")
    String judgeModel;

    @Option(names = "--judge-timeout", paramLabel = "SECONDS", defaultValue = "60", description = "How long to wait for each reply (default: ${DEFAULT-VALUE}, as the copy).")
    double timeout;

    @Option(names = "--json", description = "Print results.json on standard output.")
    boolean json;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (!Files.isDirectory(dir)) throw new UsageException(dir + ": not a folder of 'dycoke eval run' output");
        if (!(timeout > 0)) throw new UsageException("--judge-timeout must be > 0 seconds, got " + timeout);
        var env = Main.env(spec);
        String endpoint = spec.commandLine().getParseResult().hasMatchedOption("--judge-url") ? url : env.getOrDefault("OPENAI_API_URL", url);
        URI uri;
        try {
            uri = URI.create(endpoint);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) throw new IllegalArgumentException("not http(s)");
        } catch (IllegalArgumentException e) {
            throw new UsageException("--judge-url must be an http(s) URL, got '" + endpoint + "'");
        }
        String key = env.getOrDefault("OPENAI_API_KEY", "YOUR_API_KEY");
        Judge judge = JudgeStep.http(uri, judgeModel, key, Duration.ofMillis((long) (timeout * 1000)), Judge.Sleeper.REAL);
        ProgressBar bar = new ProgressBar(System.err);
        long t0 = System.nanoTime();
        JudgeStep.Summary s = JudgeStep.run(dir, judge, line -> {
            bar.clear();
            err.println("dycoke eval judge: " + line);
            err.flush();
        }, (done, total) -> bar.eta("judge", done, total, (System.nanoTime() - t0) / 1e9 / done * (total - done)));
        bar.clear();
        err.println("dycoke eval judge: " + s.judged() + " judged by " + judgeModel + " (" + s.malformed() + " malformed replies, scored 0 as the copy does), "
                + s.alreadyJudged() + " judged before, " + s.failed() + " failed (not scored; run again to retry)");
        err.flush();
        if (json) out.println(new ObjectMapper().readTree(dir.resolve(Report.RESULTS).toFile()).toPrettyString());
        else Files.readAllLines(dir.resolve(Report.TABLE)).forEach(out::println);
        out.flush();
        return s.failed() > 0 ? 1 : 0;
    }
}
