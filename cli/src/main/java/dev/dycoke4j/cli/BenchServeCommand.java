package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.Stats;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.server.Defaults;
import dev.dycoke4j.server.MediaPolicy;
import dev.dycoke4j.server.Server;
import dev.dycoke4j.server.ServerConfig;
import dev.dycoke4j.tokenizer.ChatTemplate;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code dycoke bench serve}: {@code dycoke serve} in this process on 127.0.0.1, on the benchmark checkpoint and clip
 * by default, driven by streaming clients at each concurrency with text-only and video questions; the clients count
 * tokens by the usage every chunk carries (vLLM's {@code continuous_usage_stats}), not pieces of text. Per concurrency
 * and kind: requests per second, time to first token and the gap between tokens (inter-token latency) at p50 and p99,
 * the aggregate decode rate (the concurrency over the mean time per output token: what the streams running at once
 * decode together) and the output rate (every token over the level's wall time). Then the steady state: at each
 * concurrency, that many text streams of {@code --steady-tokens} tokens admitted together, and the tokens they decode
 * in the window where all of them decode, over its length (the decode targets' measure when run). Then the server's
 * overhead (a text-only question's time to first token through it against the library's prefill of the same prompt,
 * in this process), the admission of a new video while text streams run (the streams' gaps from its arrival to its
 * first token, p99 over their median outside it), and follow-up questions' median time to first token against the
 * first question's about a video not seen before; last, each of the server's targets with its measured ratio. The video
 * questions of the levels are about the same clip, so after the first its features and prompt prefix come from the
 * caches, as a server answering questions about a few videos sees it.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Load-test dycoke serve in this process: requests/s, TTFT, inter-token latency, aggregate decode tokens/s (concurrency over TPOT) "
                + "and output tokens/s at each concurrency, the aggregate decode rate of that many streams in the window where all of them decode, "
                + "a text-only question's TTFT against the library's prefill, a new video admitted while streams run, a follow-up question's TTFT, "
                + "and each of the server's targets with its measured ratio. Tokens are counted by the usage in every chunk, text or not.")
final class BenchServeCommand implements Callable<Integer> {
    static final String TEXT_QUESTION = "Write a short story about a red ball that rolls down a hill.";
    static final String[] VIDEO_QUESTIONS = {"What happens in this video?", "Describe the main object.", "What colour is the background?",
            "How does the scene change?"};
    static final String FOLLOW_UP = "What is the main object doing?";
    /** The follow-up questions after the first question about a video, in turn. */
    static final String[] FOLLOW_UPS = {FOLLOW_UP, "Where does it go next?", "Is anything else moving?", "What is in the corner?", "How fast is it?"};
    static final String NAME = "bench";

    @Spec
    CommandSpec spec;

    @Mixin
    BenchInputs inputs;

    @Option(names = "--concurrency", paramLabel = "N,N", split = ",", defaultValue = "1,2,4,8", description = "Concurrent clients per level (default: ${DEFAULT-VALUE}).")
    int[] concurrency;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "2", description = "Requests per client at each level and kind (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "32", description = "Tokens per answer (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--steady-tokens", paramLabel = "N", defaultValue = "256",
            description = "Tokens of each answer in the steady-state phase, where each level's number of text streams is admitted together and the "
                    + "aggregate decode rate is counted over the window in which all of them decode; 0 skips it (default: ${DEFAULT-VALUE}).")
    int steadyTokens;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8", description = "Frames of the levels' video questions (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--admit-frames", paramLabel = "N", defaultValue = "8", description = "Frames of the video admitted while streams run (default: ${DEFAULT-VALUE}).")
    int admitFrames;

    @Option(names = "--admit-streams", paramLabel = "N", defaultValue = "4", description = "Text streams running while the new video is admitted (default: ${DEFAULT-VALUE}).")
    int admitStreams;

    @Option(names = "--admit-tokens", paramLabel = "N", defaultValue = "1024",
            description = "Tokens of each of those streams: enough to outlast the new video's vision tower, which shares each turn with their decode step "
                    + "(default: ${DEFAULT-VALUE}).")
    int admitTokens;

    @Option(names = "--overhead-runs", paramLabel = "N", defaultValue = "5",
            description = "Text-only questions through the library and through the server, alternately, for the server's overhead (default: ${DEFAULT-VALUE}).")
    int overheadRuns;

    @Option(names = "--follow-ups", paramLabel = "N", defaultValue = "3",
            description = "Follow-up questions after the first question about a video not seen before, one after another; their median time to first token "
                    + "is set against the first question's (default: ${DEFAULT-VALUE}).")
    int followUps;

    @Option(names = "--admission-share", paramLabel = "X", defaultValue = "1.0",
            description = "The server's admission budget per turn while answers decode, as a share of a decode step's time (as serve's; default: ${DEFAULT-VALUE}).")
    double admissionShare;

    @Option(names = "--chart", paramLabel = "FILE", description = "Write a PNG chart of the aggregate decode rate and TTFT against concurrency (.png is added when missing).")
    Path chart;

    @Option(names = "--json", description = "Print the results as JSON instead of the table.")
    boolean json;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        var load = weights.options(spec.commandLine().getErr());
        if (concurrency.length == 0) throw new UsageException("--concurrency needs at least one level");
        for (int c : concurrency) if (c < 1) throw new UsageException("--concurrency must be at least 1, got " + c);
        if (rounds < 1) throw new UsageException("--rounds must be at least 1, got " + rounds);
        if (maxTokens < 2) throw new UsageException("--max-tokens must be at least 2, got " + maxTokens);
        if (steadyTokens != 0 && steadyTokens < 2) throw new UsageException("--steady-tokens must be 0 (no steady-state phase) or at least 2, got " + steadyTokens);
        if (frames < 1) throw new UsageException("--frames must be at least 1, got " + frames);
        if (admitFrames < 1) throw new UsageException("--admit-frames must be at least 1, got " + admitFrames);
        if (admitStreams < 1) throw new UsageException("--admit-streams must be at least 1, got " + admitStreams);
        if (admitTokens < 2) throw new UsageException("--admit-tokens must be at least 2, got " + admitTokens);
        if (overheadRuns < 1) throw new UsageException("--overhead-runs must be at least 1, got " + overheadRuns);
        if (followUps < 1) throw new UsageException("--follow-ups must be at least 1, got " + followUps);
        if (!(admissionShare > 0) || Double.isInfinite(admissionShare))
            throw new UsageException("--admission-share must be a positive number, got " + admissionShare);
        inputs.checkVideo();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Path m = inputs.anyModel(), clip = inputs.video().toAbsolutePath();
        int maxBatch = Math.max(Arrays.stream(concurrency).max().orElseThrow(), admitStreams + 1);
        ObjectNode root = new ObjectMapper().createObjectNode();
        MachineInfo machine = MachineInfo.current();
        root.set("machine", new ObjectMapper().valueToTree(machine.asMap()));
        root.put("model", m.toString()).put("video", clip.toString()).put("threads", Parallel.threads()).put("max_tokens", maxTokens)
                .put("frames", frames).put("rounds", rounds).put("max_batch", maxBatch).put("admission_share", admissionShare)
                .put("steady_tokens", steadyTokens);
        try (VideoQa qa = VideoQa.load(m, load)) {
            qa.progress(VideoQa.Progress.NONE);
            ServerConfig config = new ServerConfig("127.0.0.1", 0, NAME, null, MediaPolicy.none().withLocalRoot(clip.getParent()),
                    Math.max(frames, admitFrames), 4 * maxBatch, maxBatch, 256,
                    new Defaults(GenerationOptions.greedy(maxTokens), VisionOptions.of(frames), CompressionMethods.none()), admissionShare);
            try (Server server = Server.start(qa, config, line -> {
                if (!line.startsWith("request ")) err.println("dycoke bench serve: " + line);
            })) {
                ServeLoad client = new ServeLoad(server.address(), NAME);
                String url = clip.toUri().toString();
                // one untimed request of each kind: the JIT compiles the engine's code, and the clip's features are cached
                client.send(client.body(TEXT_QUESTION, null, 2, 0), null);
                client.send(client.body(VIDEO_QUESTIONS[0], url, 2, 0), null);
                ArrayNode levels = root.putArray("levels");
                for (String kind : List.of("text", "video")) {
                    for (int c : concurrency) {
                        err.println("dycoke bench serve: " + kind + " questions at concurrency " + c);
                        err.flush();
                        List<String> bodies = new ArrayList<>();
                        for (int i = 0; i < c * rounds; i++)
                            bodies.add(kind.equals("text") ? client.body(TEXT_QUESTION, null, maxTokens, 0)
                                    : client.body(VIDEO_QUESTIONS[i % VIDEO_QUESTIONS.length], url, maxTokens, 0));
                        levels.add(level(kind, c, client.run(bodies, c)));
                    }
                }
                ArrayNode steady = root.putArray("steady");
                if (steadyTokens > 0)
                    for (int c : concurrency) {
                        err.println("dycoke bench serve: steady state, " + c + " text streams of " + steadyTokens + " tokens");
                        err.flush();
                        GcTally gc = GcTally.start();
                        steady.add(gc.into(steady(c, steadyTokens, together(server, client, c))));
                    }
                root.set("server_overhead", overhead(qa, client));
                qa.clearCaches(); // the engine is idle between levels: the admitted video and the follow-up's first question are new to it
                GcTally gc = GcTally.start();
                root.set("admission", gc.into(admission(client, url)));
                qa.clearCaches();
                root.set("follow_up", followUp(client, url));
            }
        }
        speedUps(root);
        root.set("targets", targets(root));
        if (chart != null) chart(root, chart);
        if (json) out.println(BenchReport.json(root));
        else {
            table(root).forEach(out::println);
            out.println();
            out.println("Machine: " + machine.line());
        }
        out.flush();
        return 0;
    }

    /**
     * The figures of one level: {@code timings} of {@code concurrency} clients asking {@code kind} questions. The
     * aggregate decode rate is what the level's concurrently running streams decode together: the concurrency over the
     * mean time per output token (TPOT, as vLLM's benchmark has it: per request, the time from its first token to its
     * last over the tokens after the first). The output rate is every completion token over the level's wall time,
     * prefills and queueing included.
     */
    static ObjectNode level(String kind, int concurrency, List<ServeLoad.Timing> timings) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("kind", kind).put("concurrency", concurrency).put("requests", timings.size());
        List<ServeLoad.Timing> ok = timings.stream().filter(ServeLoad.Timing::ok).toList();
        n.put("completed", ok.size());
        for (ServeLoad.Timing t : timings) if (!t.ok()) n.withArray("errors").add(t.error() == null ? "no token" : t.error());
        if (ok.isEmpty()) return n;
        long start = ok.stream().mapToLong(ServeLoad.Timing::sent).min().orElseThrow(), end = ok.stream().mapToLong(ServeLoad.Timing::end).max().orElseThrow();
        double wall = (end - start) / 1e9;
        List<Double> ttft = ok.stream().map(ServeLoad.Timing::ttft).toList(), gaps = new ArrayList<>(), tpot = new ArrayList<>();
        for (ServeLoad.Timing t : ok) {
            gaps.addAll(t.gaps());
            if (t.tokens() > 1) tpot.add((t.end() - t.firstToken()) / 1e9 / (t.tokens() - 1));
        }
        n.put("seconds", wall).put("requests_per_s", ok.size() / wall).put("ttft_p50_s", percentile(ttft, 50)).put("ttft_p99_s", percentile(ttft, 99));
        n.put("itl_gaps", gaps.size());
        if (!gaps.isEmpty()) n.put("itl_p50_s", percentile(gaps, 50)).put("itl_p99_s", percentile(gaps, 99));
        int completion = ok.stream().mapToInt(ServeLoad.Timing::tokens).sum();
        n.put("completion_tokens", completion).put("output_tokens_per_s", completion / wall);
        if (!tpot.isEmpty()) {
            double mean = tpot.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            n.put("tpot_mean_s", mean).put("decode_tokens_per_s", concurrency / mean);
        }
        return n;
    }

    /**
     * {@code clients} text questions of {@code --steady-tokens} tokens sent at once and admitted together: the server
     * holds admission until all are queued, so that their prefills run one after another at the start and then they
     * decode side by side for most of their answers.
     */
    private List<ServeLoad.Timing> together(Server server, ServeLoad client, int clients) throws Exception {
        String body = client.body(TEXT_QUESTION, null, steadyTokens, 0);
        List<CompletableFuture<ServeLoad.Timing>> sent = new ArrayList<>();
        server.hold(true);
        try {
            for (int i = 0; i < clients; i++) sent.add(CompletableFuture.supplyAsync(() -> client.send(body, null), r -> Thread.ofVirtual().start(r)));
            // all queued, or one already answered (refused): then the others are let in as they are
            for (long waited = 0; server.queued() < clients && sent.stream().noneMatch(CompletableFuture::isDone); waited++) {
                if (waited > 60_000) throw new IllegalStateException("bench serve: the steady-state requests were not queued in 10 minutes");
                Thread.sleep(10);
            }
        } finally {
            server.hold(false);
        }
        List<ServeLoad.Timing> out = new ArrayList<>();
        for (var f : sent) out.add(f.get());
        return out;
    }

    /**
     * The steady-state figures of {@code concurrency} streams of {@code answerTokens} tokens admitted together: the
     * window in which all of them decode runs from the last stream's first token to the first stream's last, and the
     * aggregate decode rate is the tokens the streams' chunks brought inside it over its length (each stream's count at
     * the window's end less its count at its start). Unlike the levels' concurrency over TPOT, this counts only
     * time in which every stream takes part in each decode step. Without every stream answered, or with streams that
     * never decode at the same time, there is no window.
     */
    static ObjectNode steady(int concurrency, int answerTokens, List<ServeLoad.Timing> timings) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("concurrency", concurrency).put("answer_tokens", answerTokens).put("requests", timings.size());
        List<ServeLoad.Timing> ok = timings.stream().filter(ServeLoad.Timing::ok).toList();
        n.put("completed", ok.size());
        for (ServeLoad.Timing t : timings) if (!t.ok()) n.withArray("errors").add(t.error() == null ? "no token" : t.error());
        if (ok.isEmpty()) return n;
        n.put("completion_tokens", ok.stream().mapToInt(ServeLoad.Timing::tokens).sum());
        if (ok.size() < timings.size()) return n;
        long sent = ok.stream().mapToLong(ServeLoad.Timing::sent).min().orElseThrow();
        long from = ok.stream().mapToLong(ServeLoad.Timing::firstToken).max().orElseThrow(), to = ok.stream().mapToLong(ServeLoad.Timing::end).min().orElseThrow();
        n.put("all_decoding_after_s", (from - sent) / 1e9);
        if (to <= from) return n;
        int tokens = 0;
        for (ServeLoad.Timing t : ok) tokens += tokensAt(t, to) - tokensAt(t, from);
        double seconds = (to - from) / 1e9;
        return n.put("window_s", seconds).put("window_tokens", tokens).put("window_tokens_per_s", tokens / seconds);
    }

    /** The tokens {@code t}'s chunks had brought by {@code at} ({@link System#nanoTime}). */
    private static int tokensAt(ServeLoad.Timing t, long at) {
        int tokens = 0;
        for (ServeLoad.Arrival a : t.arrivals()) {
            if (a.at() > at) break;
            tokens = a.tokens();
        }
        return tokens;
    }

    /**
     * {@code --admit-streams} text streams of {@code --admit-tokens} tokens run; once each has had {@link #lead} tokens, a
     * question about a video not in the cache, at {@code --admit-frames} frames, arrives. The streams' gaps that end
     * after its arrival and start before its first token are those it may stretch; their p99 is set against the
     * median of the streams' other gaps, less each stream's first few: those hold the other streams' starts (each
     * prompt prefilled whole in a turn of its own), which are not the decode rate the video's pieces compete with.
     */
    private ObjectNode admission(ServeLoad client, String url) throws Exception {
        List<CompletableFuture<ServeLoad.Timing>> streams = new ArrayList<>();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(admitStreams);
        int lead = lead(admitTokens);
        for (int i = 0; i < admitStreams; i++) {
            java.util.concurrent.atomic.AtomicInteger chunks = new java.util.concurrent.atomic.AtomicInteger();
            String body = client.body(TEXT_QUESTION, null, admitTokens, 0);
            streams.add(CompletableFuture.supplyAsync(() -> client.send(body, a -> {
                if (chunks.incrementAndGet() == lead) started.countDown();
            }), r -> Thread.ofVirtual().start(r)).whenComplete((t, e) -> {
                if (chunks.get() < lead) started.countDown(); // ended (or failed) before its lead: waited for no longer
            }));
        }
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("running_streams", admitStreams).put("frames", admitFrames);
        if (!started.await(10, java.util.concurrent.TimeUnit.MINUTES)) throw new IllegalStateException("bench serve: the text streams did not start");
        ServeLoad.Timing admitted = client.send(client.body(VIDEO_QUESTIONS[0], url, 2, admitFrames), null);
        List<ServeLoad.Timing> done = new ArrayList<>();
        for (var f : streams) done.add(f.get());
        n.put("completed", (admitted.ok() ? 1 : 0) + (int) done.stream().filter(ServeLoad.Timing::ok).count()).put("requests", admitStreams + 1);
        if (!admitted.ok()) return n.put("error", admitted.error());
        long from = admitted.sent(), to = admitted.firstToken();
        List<Double> during = new ArrayList<>(), outside = new ArrayList<>();
        for (ServeLoad.Timing t : done) {
            List<ServeLoad.Gap> gaps = t.intervals();
            for (int i = 0; i < gaps.size(); i++) {
                ServeLoad.Gap g = gaps.get(i);
                boolean stretched = g.to() > from && g.from() < to;
                if (!stretched && i < lead / 4) continue; // the streams' starts
                for (int k = 0; k < g.tokens(); k++) (stretched ? during : outside).add(g.seconds() / g.tokens());
            }
        }
        n.put("admitted_ttft_s", admitted.ttft()).put("gaps_during", during.size());
        if (!during.isEmpty()) {
            double median = percentile(during, 50), p99 = percentile(during, 99);
            n.put("itl_p50_s", median).put("itl_p99_s", p99).put("itl_p99_over_p50", p99 / median);
            if (!outside.isEmpty()) {
                double normal = percentile(outside, 50);
                n.put("itl_p50_before_after_s", normal).put("itl_p99_during_over_p50_outside", p99 / normal);
            }
        } else if (!outside.isEmpty()) n.put("itl_p50_before_after_s", percentile(outside, 50));
        return n;
    }

    /**
     * Tokens each admission stream has before the video arrives: 16, or half its tokens when it has fewer than 32 (at
     * least 2); a quarter of them, its first gaps, are left out of the median outside the admission.
     */
    static int lead(int admitTokens) {
        return Math.max(2, Math.min(16, admitTokens / 2));
    }

    /**
     * The server's overhead on a text-only question: the same prompt through the library in this process (its prefill,
     * as {@code dycoke run} reports it, and its time to first token) and through the server, alternately, while the
     * engine has nothing else to do; {@code --overhead-runs} of each after an untimed pair, medians.
     */
    private ObjectNode overhead(VideoQa qa, ServeLoad client) {
        var messages = List.of(new ChatTemplate.Message("user", false, List.of(TEXT_QUESTION)));
        GenerationOptions g = GenerationOptions.greedy(2);
        GenerationOptions gen = new GenerationOptions(2, g.temperature(), g.topP(), g.seed(), true);
        String body = client.body(TEXT_QUESTION, null, 2, 0);
        List<Double> prefill = new ArrayList<>(), libraryTtft = new ArrayList<>(), serverTtft = new ArrayList<>();
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("runs", overheadRuns);
        for (int i = 0; i <= overheadRuns; i++) {
            Stats st = qa.answerStage().startText(messages, gen, null).complete().stats(); // the engine thread is idle meanwhile
            ServeLoad.Timing t = client.send(body, null);
            if (!t.ok()) return n.put("error", t.error());
            n.put("prompt_tokens", st.promptTokens());
            if (i == 0) continue;
            prefill.add(st.seconds().prefill());
            libraryTtft.add(st.ttftSeconds());
            serverTtft.add(t.ttft());
        }
        double p = percentile(prefill, 50), s = percentile(serverTtft, 50);
        return n.put("library_prefill_s", p)
                .put("library_ttft_s", percentile(libraryTtft, 50)).put("server_ttft_s", s).put("server_ttft_over_library_prefill", s / p);
    }

    /**
     * A question about the clip at {@code --frames}, uncached, then {@code --follow-ups} other questions about it, one
     * after another with nothing else running; the follow-ups' median time to first token against the first's (a
     * single follow-up of well under a second is at the mercy of the machine's noise).
     */
    private ObjectNode followUp(ServeLoad client, String url) {
        ServeLoad.Timing first = client.send(client.body(VIDEO_QUESTIONS[0], url, maxTokens, 0), null);
        List<ServeLoad.Timing> next = new ArrayList<>();
        for (int i = 0; i < followUps; i++) next.add(client.send(client.body(FOLLOW_UPS[i % FOLLOW_UPS.length], url, maxTokens, 0), null));
        ObjectNode n = new ObjectMapper().createObjectNode();
        int ok = (int) next.stream().filter(ServeLoad.Timing::ok).count();
        n.put("completed", (first.ok() ? 1 : 0) + ok).put("requests", 1 + followUps).put("follow_ups", followUps);
        if (first.ok() && ok == followUps) {
            List<Double> ttft = next.stream().map(ServeLoad.Timing::ttft).toList();
            ttft.forEach(n.putArray("follow_up_ttfts_s")::add);
            double median = median(ttft);
            n.put("first_ttft_s", first.ttft()).put("follow_up_ttft_s", median).put("first_over_follow_up", first.ttft() / median);
        }
        return n;
    }

    /** The median of {@code values} (the mean of the middle two of an even count). */
    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * Each level's aggregate decode rate over the same kind's at the lowest concurrency; each steady-state rate over
     * the first's.
     */
    private static void speedUps(ObjectNode root) {
        JsonNode steady = root.path("steady");
        for (var s : steady)
            if (s.has("window_tokens_per_s") && steady.get(0).has("window_tokens_per_s"))
                ((ObjectNode) s).put("speedup_vs_first", s.get("window_tokens_per_s").asDouble() / steady.get(0).get("window_tokens_per_s").asDouble());
        for (var level : root.get("levels")) {
            ObjectNode l = (ObjectNode) level;
            for (var base : root.get("levels"))
                if (base.get("kind").equals(l.get("kind")) && base.has("decode_tokens_per_s") && l.has("decode_tokens_per_s")) {
                    l.put("decode_speedup_vs_first_level", l.get("decode_tokens_per_s").asDouble() / base.get("decode_tokens_per_s").asDouble());
                    break;
                }
        }
    }

    /** A benchmark target of the server: what is measured, the goal, the ratio measured and whether it is met. */
    private record Target(String what, String goal, double bound, boolean atLeast, JsonNode measured) {
    }

    /**
     * The server's targets with their measured ratios: the aggregate decode rate of text streams at 4 and 8 clients
     * over 1 client's (from the steady-state windows when the run has them for 1 and that many streams, the target's
     * text then saying so; else the levels' concurrency over TPOT), the running streams' p99 inter-token latency while a new video is admitted over their median,
     * the first question's time to first token over a follow-up's, and a text-only question's time to first token
     * through the server over the library's prefill. A ratio the run could not measure (a level not run) is null.
     */
    static ArrayNode targets(ObjectNode root) {
        List<Target> ts = new ArrayList<>();
        for (int c : new int[]{4, 8}) {
            JsonNode steady = steadyRatio(root, c);
            String what = "aggregate decode tokens/s, " + c + " text streams over 1" + (steady.isNumber() ? ", all decoding (steady-state window)" : "");
            ts.add(new Target(what, c == 4 ? ">= 2.5x" : ">= 3.5x", c == 4 ? 2.5 : 3.5, true, steady.isNumber() ? steady : decodeRatio(root, c)));
        }
        JsonNode a = root.path("admission");
        ts.add(new Target("running streams' inter-token latency while a new " + a.path("frames").asInt() + "-frame video is admitted: p99 over their median",
                "<= 3x", 3, false, a.path("itl_p99_during_over_p50_outside")));
        ts.add(new Target("time to first token: first question about a video over a follow-up's", ">= 100x", 100, true,
                root.path("follow_up").path("first_over_follow_up")));
        ts.add(new Target("text-only time to first token through the server over the library's prefill of the same prompt", "<= 1.10x", 1.10, false,
                root.path("server_overhead").path("server_ttft_over_library_prefill")));
        ArrayNode out = new ObjectMapper().createArrayNode();
        for (Target t : ts) {
            ObjectNode n = out.addObject().put("target", t.what()).put("goal", t.goal());
            if (t.measured().isNumber()) {
                double m = t.measured().asDouble();
                n.put("measured", m).put("met", t.atLeast() ? m >= t.bound() : m <= t.bound());
            } else n.putNull("measured").putNull("met");
        }
        return out;
    }

    /** The steady-state window's rate of {@code streams} streams over 1 stream's, or a missing node. */
    private static JsonNode steadyRatio(ObjectNode root, int streams) {
        double one = Double.NaN, at = Double.NaN;
        for (JsonNode s : root.path("steady"))
            if (s.has("window_tokens_per_s")) {
                if (s.get("concurrency").asInt() == 1) one = s.get("window_tokens_per_s").asDouble();
                if (s.get("concurrency").asInt() == streams) at = s.get("window_tokens_per_s").asDouble();
            }
        return Double.isNaN(one) || Double.isNaN(at) ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                : com.fasterxml.jackson.databind.node.DoubleNode.valueOf(at / one);
    }

    /** The text levels' aggregate decode rate at {@code clients} over 1 client's, or a missing node. */
    private static JsonNode decodeRatio(ObjectNode root, int clients) {
        double one = Double.NaN, at = Double.NaN;
        for (JsonNode l : root.get("levels"))
            if (l.get("kind").asText().equals("text") && l.has("decode_tokens_per_s")) {
                if (l.get("concurrency").asInt() == 1) one = l.get("decode_tokens_per_s").asDouble();
                if (l.get("concurrency").asInt() == clients) at = l.get("decode_tokens_per_s").asDouble();
            }
        return Double.isNaN(one) || Double.isNaN(at) ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                : com.fasterxml.jackson.databind.node.DoubleNode.valueOf(at / one);
    }

    /** The nearest-rank {@code p}-th percentile of {@code values}. */
    static double percentile(List<Double> values, double p) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(p / 100 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    private static List<String> table(ObjectNode root) {
        List<String> t = new ArrayList<>();
        t.add("| kind | clients | requests | req/s | TTFT p50 | TTFT p99 | ITL p50 | ITL p99 | TPOT mean | decode tok/s (clients / TPOT) | vs first level "
                + "| output tok/s (all tokens / wall) |");
        t.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var l : root.get("levels"))
            t.add(String.format(Locale.ROOT, "| %s | %d | %d/%d | %.2f | %.3f s | %.3f s | %.1f ms | %.1f ms | %.1f ms | %.1f | %.2fx | %.1f |", l.get("kind").asText(),
                    l.get("concurrency").asInt(), l.get("completed").asInt(), l.get("requests").asInt(), l.path("requests_per_s").asDouble(),
                    l.path("ttft_p50_s").asDouble(), l.path("ttft_p99_s").asDouble(), 1e3 * l.path("itl_p50_s").asDouble(), 1e3 * l.path("itl_p99_s").asDouble(),
                    1e3 * l.path("tpot_mean_s").asDouble(), l.path("decode_tokens_per_s").asDouble(), l.path("decode_speedup_vs_first_level").asDouble(),
                    l.path("output_tokens_per_s").asDouble()));
        if (!root.path("steady").isEmpty()) {
            t.add("");
            t.add("| steady state: text streams | answer tokens | completed | all decoding after | window | tokens in window | aggregate tok/s (all decoding) "
                    + "| vs first |");
            t.add("|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (var s : root.get("steady"))
                t.add(String.format(Locale.ROOT, "| %d | %d | %d/%d | %.3f s | %.3f s | %d | %.1f | %.2fx |", s.get("concurrency").asInt(),
                        s.get("answer_tokens").asInt(), s.get("completed").asInt(), s.get("requests").asInt(), s.path("all_decoding_after_s").asDouble(),
                        s.path("window_s").asDouble(), s.path("window_tokens").asInt(), s.path("window_tokens_per_s").asDouble(),
                        s.path("speedup_vs_first").asDouble()));
        }
        var a = root.get("admission");
        t.add("");
        t.add(String.format(Locale.ROOT, "A new %d-frame video admitted while %d streams run: their inter-token latency p50 %.1f ms, p99 %.1f ms (p99/p50 %.2f) "
                        + "over %d gaps, against a median of %.1f ms outside it (p99 over it %.2f); its TTFT %.3f s", a.get("frames").asInt(),
                a.get("running_streams").asInt(), 1e3 * a.path("itl_p50_s").asDouble(), 1e3 * a.path("itl_p99_s").asDouble(), a.path("itl_p99_over_p50").asDouble(),
                a.path("gaps_during").asInt(), 1e3 * a.path("itl_p50_before_after_s").asDouble(), a.path("itl_p99_during_over_p50_outside").asDouble(),
                a.path("admitted_ttft_s").asDouble()));
        var f = root.get("follow_up");
        t.add(String.format(Locale.ROOT, "Follow-up questions: TTFT %.3f s (median of %d) against %.3f s for the first question (%.1fx)",
                f.path("follow_up_ttft_s").asDouble(), f.path("follow_ups").asInt(), f.path("first_ttft_s").asDouble(), f.path("first_over_follow_up").asDouble()));
        var o = root.get("server_overhead");
        t.add(String.format(Locale.ROOT, "Text-only question (%d prompt tokens): TTFT %.1f ms through the server against %.1f ms of prefill (%.1f ms to the first token) "
                        + "through the library, medians of %d (%.2fx)", o.path("prompt_tokens").asInt(), 1e3 * o.path("server_ttft_s").asDouble(),
                1e3 * o.path("library_prefill_s").asDouble(), 1e3 * o.path("library_ttft_s").asDouble(), o.path("runs").asInt(),
                o.path("server_ttft_over_library_prefill").asDouble()));
        t.add("");
        t.add("| target | goal | measured | met |");
        t.add("|---|---|---:|---|");
        for (var x : root.get("targets"))
            t.add(String.format(Locale.ROOT, "| %s | %s | %s | %s |", x.get("target").asText(), x.get("goal").asText(),
                    x.get("measured").isNull() ? "not measured" : String.format(Locale.ROOT, "%.2fx", x.get("measured").asDouble()),
                    x.get("met").isNull() ? "-" : x.get("met").asBoolean() ? "yes" : "no"));
        return t;
    }

    /**
     * Aggregate decode tokens/s, output tokens/s and TTFT p50 against concurrency, one line each per kind, and the
     * steady-state decode rate.
     */
    private static void chart(ObjectNode root, Path png) throws java.io.IOException {
        XYChart c = new XYChartBuilder().width(900).height(560).title("dycoke bench serve: aggregate decode rate, output rate and TTFT")
                .xAxisTitle("concurrent clients").yAxisTitle("tokens/s (TTFT p50 in ms / 10)").build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (String kind : List.of("text", "video")) {
            List<Double> x = new ArrayList<>(), rate = new ArrayList<>(), output = new ArrayList<>(), ttft = new ArrayList<>();
            for (var l : root.get("levels"))
                if (l.get("kind").asText().equals(kind) && l.has("decode_tokens_per_s")) {
                    x.add(l.get("concurrency").asDouble());
                    rate.add(l.get("decode_tokens_per_s").asDouble());
                    output.add(l.get("output_tokens_per_s").asDouble());
                    ttft.add(l.get("ttft_p50_s").asDouble() * 100);
                }
            if (x.isEmpty()) continue;
            c.addSeries(kind + ": decode tokens/s (clients / TPOT)", x, rate);
            c.addSeries(kind + ": output tokens/s (all / wall)", x, output);
            c.addSeries(kind + ": TTFT p50 (ms / 10)", x, ttft);
        }
        List<Double> x = new ArrayList<>(), rate = new ArrayList<>();
        for (var s : root.path("steady"))
            if (s.has("window_tokens_per_s")) {
                x.add(s.get("concurrency").asDouble());
                rate.add(s.get("window_tokens_per_s").asDouble());
            }
        if (!x.isEmpty()) c.addSeries("text: steady-state decode tokens/s (all streams decoding)", x, rate);
        BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
