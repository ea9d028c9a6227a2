package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.AtBudget;
import dev.dycoke4j.compress.BudgetKind;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.InvalidOptionException;
import dev.dycoke4j.compress.MethodSpec;
import dev.dycoke4j.compress.TokenBudget;
import dev.dycoke4j.pipeline.Fidelity;
import dev.dycoke4j.pipeline.Stats;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.vision.SiglipPoolingHead;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dycoke bench arena}: every method and combination at several ratios under each budget, on one model and one
 * video encoded once, measured against {@code none} by teacher forcing as {@code fidelity} measures ({@link Fidelity}):
 * greedy agreement and KL, with the four budgets reached, seconds per stage and peak memory.
 *
 * <p>A cell is a method (as named: {@code vidcom2+dp} is VidCom2 with DyCoke's DP), a ratio and a budget. Each cell is
 * appended to {@code arena.jsonl} as soon as it is measured, and a run on the same {@code --out} skips the cells found
 * there. Cells whose method resolves to the same compression on the video (a budget met by the same ratio) are measured
 * once; none's reference run, whose logits the others are compared with, runs once.
 */
@Command(name = "arena", mixinStandardHelpOptions = true,
        description = "Compare every method and combination with none at each ratio under each budget (teacher forcing, one encode), resumably.")
final class BenchArenaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BenchInputs inputs;

    @Mixin
    PoolingHeadOptions poolingHead;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "32", description = "Frames sampled (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--methods", paramLabel = "M,M", split = ",",
            description = "Methods as named in the cells, NAME or NAME+dp (default: none, every method and every method with +dp; "
                    + "fastvid when SigLIP's pooling head is at hand: given by --pooling-head or in the model's folder, as the default model's is).")
    String[] methods;

    @Option(names = "--ratios", paramLabel = "R,R", split = ",", defaultValue = "0.10,0.25,0.50", description = "Ratios of each budget (default: ${DEFAULT-VALUE}).")
    double[] ratios;

    @Option(names = "--budgets", paramLabel = "B,B", split = ",", defaultValue = "tokens,attended,flops,kv",
            description = "What the ratios fix: tokens, attended, flops, kv (default: ${DEFAULT-VALUE}).")
    String[] budgets;

    @Mixin
    TeacherForcingOptions forcing;

    @Mixin
    CompressOptions compress;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "dycoke-arena",
            description = "Where arena.jsonl (the cells, resumed from), arena.md and arena-BUDGET.png are written (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--json", description = "Print only JSON: the setup and every cell.")
    boolean json;

    @Mixin
    CommonOptions common;

    /** A cell to measure: the method as named at a ratio under a budget. */
    private record Cell(String method, double ratio, BudgetKind budget, CompressionMethod comp) {
        String id() {
            return ArenaLog.id(method, ratio, budget.text(), comp.key());
        }
    }

    @Override
    public Integer call() throws IOException {
        common.apply();
        if (frames < 1) throw new UsageException("--frames must be at least 1, got " + frames);
        forcing.check();
        if (ratios.length == 0) throw new UsageException("--ratios needs at least one ratio");
        for (double r : ratios) if (!(r > 0 && r <= 1)) throw new UsageException("--ratios must be in (0, 1], got " + r);
        // the grid sets these per cell: a method with DP is named NAME+dp
        for (String flag : List.of("--compress", "--ratio", "--budget", "--dp"))
            if (spec.commandLine().getParseResult().hasMatchedOption(flag))
                throw new UsageException(flag + " is set per cell by the grid: use --methods (NAME or NAME+dp), --ratios and --budgets");
        List<BudgetKind> kinds = new ArrayList<>();
        for (String b : budgets) kinds.add(kind(b));
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new UsageException(outDir + ": --out must be a directory");
        List<String> names = methods != null ? List.of(methods) : defaultMethods(headAtHand());
        List<Cell> cells = new ArrayList<>(); // bad options before the model loads
        for (String name : names)
            for (BudgetKind b : kinds)
                for (double r : ratios) cells.add(new Cell(name, r, b, method(name, r, b)));
        inputs.checkVideo();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Path m = inputs.model(), v = inputs.video();
        ObjectNode setup = new ObjectMapper().createObjectNode().put("model", m.toString()).put("video", v.toString())
                .put("frames", frames).put("steps", forcing.steps).put("prompt", forcing.prompt);
        Files.createDirectories(outDir);
        ArenaLog log = ArenaLog.open(outDir.resolve("arena.jsonl"), setup);
        List<Cell> todo = cells.stream().filter(c -> log.done(c.id()) == null).toList();
        err.println("dycoke bench arena: " + m + ", " + v + ", " + frames + " frames, " + forcing.steps + " steps: " + cells.size() + " cells, "
                + (cells.size() - todo.size()) + " already in " + outDir.resolve("arena.jsonl"));
        err.flush();
        int computed = todo.isEmpty() ? 0 : measure(todo, m, v, log, err);
        List<JsonNode> results = new ArrayList<>();
        for (Cell c : cells) results.add(log.done(c.id()));
        List<String> md = new ArrayList<>(ArenaReport.markdown(results, names, ratios, kinds));
        md.add("Model " + m + ", video " + v + ", " + frames + " frames, " + forcing.steps + " teacher-forced steps. Random weights test the machinery, not accuracy.");
        Files.write(outDir.resolve("arena.md"), md);
        List<Path> pngs = ArenaReport.plots(results, names, ratios, kinds, outDir, "dycoke arena (" + m.getFileName() + ", " + frames + " frames)");
        if (json) {
            ObjectNode root = setup.deepCopy();
            root.put("computed", computed).put("reused", cells.size() - todo.size());
            ArrayNode arr = root.putArray("cells");
            for (JsonNode c : results) arr.add(((ObjectNode) c.deepCopy()).without("setup"));
            out.println(BenchReport.json(root));
        } else md.forEach(out::println);
        out.flush();
        err.println("dycoke bench arena: " + computed + " measurements, wrote " + outDir.resolve("arena.md") + ", arena.jsonl and " + pngs.size() + " plots");
        return 0;
    }

    /** Measures {@code todo} on one encode of the video; returns how many compressions ran (cells sharing one count once). */
    private int measure(List<Cell> todo, Path m, Path v, ArenaLog log, PrintWriter err) throws IOException {
        String signals = todo.stream().map(Cell::comp).filter(CompressionMethod::needsFrameSignals).map(CompressionMethod::name).findFirst().orElse(null);
        Map<String, ObjectNode> byResolved = new HashMap<>();
        ProgressBar bar = new ProgressBar(System.err);
        int computed = 0, done = 0;
        JsonNode machine = new ObjectMapper().valueToTree(MachineInfo.current().asMap());
        try (VideoQa qa = Prologue.load(m, m.getFileName().toString(), dev.dycoke4j.pipeline.LoadOptions.asStored())) {
            if (signals != null) qa.poolingHead(poolingHead.load(signals, m, inputs.hub.env(Main.env(spec)), qa.model().config().vision(), err));
            var sampled = Prologue.video(v, err).read(frames);
            Fidelity fid = Fidelity.of(qa, sampled.frames(), VisionOptions.of(frames).withFrameSignals(signals != null), forcing.prompt, forcing.steps);
            for (Cell c : todo) {
                bar.update(String.format(Locale.ROOT, "%s@%s/%s", c.method, c.ratio, c.budget.text()), done++, todo.size());
                ObjectNode cell = new ObjectMapper().createObjectNode().put("method", c.method).put("ratio", c.ratio).put("budget", c.budget.text())
                        .put("key", c.comp.key());
                long t0 = System.nanoTime();
                CompressionMethod resolved;
                try {
                    resolved = fid.resolve(c.comp);
                    double resolve = (System.nanoTime() - t0) / 1e9;
                    ObjectNode shared = byResolved.get(resolved.key());
                    if (shared != null) {
                        cell.setAll(shared);
                        cell.put("shared", true);
                    } else {
                        RunPeak.start();
                        Fidelity.Result res = fid.measure(resolved);
                        ObjectNode measured = figures(fid, resolved, res, resolve);
                        byResolved.put(resolved.key(), measured);
                        cell.setAll(measured);
                        cell.put("shared", false);
                        computed++;
                    }
                } catch (InvalidOptionException e) {
                    if (!e.key().equals("ratio")) throw new UsageException(e.message(CompressOptions::flag));
                    cell.put("unreachable", e.message(CompressOptions::flag));
                    ObjectNode reach = cell.putObject("reachable");
                    try {
                        AtBudget.Reach r = fid.reach(c.comp, c.budget);
                        reach.put("least", r.least()).put("most", r.most());
                    } catch (InvalidOptionException never) {
                        cell.putNull("reachable"); // no ratio of the method runs on this video
                    }
                }
                cell.set("machine", machine); // cells of one grid may come from resumed runs on other machines or commits
                log.append(cell);
                bar.clear();
                err.println("  " + line(cell));
                err.flush();
            }
            bar.update("arena", todo.size(), todo.size());
            bar.clear();
        }
        return computed;
    }

    /** One measurement: fidelity, the four budgets reached, the resolved method, seconds per stage and peak RSS. */
    private static ObjectNode figures(Fidelity fid, CompressionMethod resolved, Fidelity.Result res, double resolveSeconds) {
        Stats s = res.stats();
        ObjectNode f = new ObjectMapper().createObjectNode();
        f.put("resolved", resolved.key());
        if (resolved.budget() instanceof TokenBudget.Ratio r) f.put("resolved_ratio", r.ratio());
        f.put("agreement", res.agreement()).put("kl_mean", res.meanKl()).put("kl_max", res.maxKl());
        ObjectNode reached = f.putObject("reached");
        for (BudgetKind k : BudgetKind.values()) reached.put(k.text(), fid.reached(k, resolved));
        f.put("visual_tokens_pooled", s.visualTokens()).put("visual_tokens_kept", s.visualKept()).put("visual_tokens_attended_mean", s.visualAttended())
                .put("flops_llm", s.flopsLlm()).put("kv_bytes", s.kvCacheBytes() + s.kvPrunedBytes()).put("kv_bytes_active", s.kvCacheBytes())
                .put("kv_bytes_pruned", s.kvPrunedBytes());
        f.putObject("seconds").put("resolve", resolveSeconds).put("compress", s.seconds().compress()).put("prefill", s.seconds().prefill())
                .put("decode", s.seconds().generate());
        f.put("peak_rss_bytes", s.peakRssBytes());
        return f;
    }

    private static String line(JsonNode c) {
        String head = String.format(Locale.ROOT, "%s at %s (%s)", c.path("method").asText(), c.path("ratio").asText(), c.path("budget").asText());
        if (c.has("unreachable")) return head + ": " + c.path("unreachable").asText();
        return head + String.format(Locale.ROOT, ": KL %.4g, agreement %.3f%s", c.path("kl_mean").asDouble(), c.path("agreement").asDouble(),
                c.path("shared").asBoolean() ? " (the same compression as a cell before)" : "");
    }

    /** The cell's method: a method without a ratio (none) is the same in every cell. */
    private CompressionMethod method(String name, double r, BudgetKind b) {
        MethodSpec s = CompressOptions.spec(name, "--methods");
        if (!s.keys().contains("ratio")) return compress.method(name, "--methods", null, null);
        return compress.method(name, "--methods", r, b.text());
    }

    /**
     * Whether SigLIP's pooling head is at hand for the default grid: given by {@code --pooling-head}, or in the model's
     * folder (the default random checkpoint always carries one).
     */
    private boolean headAtHand() {
        if (poolingHead.source != null || inputs.model == null) return true;
        Path dir = Path.of(inputs.model);
        return Files.isRegularFile(dir.resolve(SiglipPoolingHead.BESIDE));
    }

    /**
     * none, then every method and, where DP combines with it, the method with DP; the methods that need SigLIP's
     * pooling head (fastvid) only when {@code withHead}.
     */
    static List<String> defaultMethods(boolean withHead) {
        List<String> names = new ArrayList<>();
        for (MethodSpec s : CompressionMethods.all()) {
            if (s.defaults().needsFrameSignals() && !withHead) continue;
            names.add(s.name());
            if (!s.keys().contains("ratio") || s.defaults().hasDecodeHook()) continue;
            var dp = CompressionMethods.find(s.name() + "+dp");
            if (dp.isEmpty()) continue;
            try {
                dp.get().parse(Map.of("ratio", "0.5"));
                names.add(dp.get().name());
            } catch (InvalidOptionException refused) {
                // a method that cannot take DP
            }
        }
        return names;
    }

    private static BudgetKind kind(String text) {
        for (BudgetKind k : BudgetKind.values()) if (k.text().equals(text)) return k;
        List<String> all = new ArrayList<>();
        for (BudgetKind k : BudgetKind.values()) all.add(k.text());
        throw new UsageException("--budgets takes " + String.join(", ", all) + "; got '" + text + "'");
    }
}
