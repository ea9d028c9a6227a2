package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.platform.Bytes;
import dev.dycoke4j.tensor.OffHeap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** {@code dycoke bench}'s results as a Markdown table, JSON, and a PNG chart of seconds per stage. */
final class BenchReport {
    private BenchReport() {
    }

    static final String HEADER = "| method | frames | visual tokens | decode video s | vision s | project+pool s | compress s | prefill s | TTFT s "
            + "| follow-up TTFT s | decode tok/s | of bound | total s | total, vision cached s | KV cache | peak RSS | resident weights | activations "
            + "| peak / (weights + KV + activations) | prefill x | total x | cached total x |";

    /**
     * The memory-bandwidth bound on decode: {@code bandwidth} bytes copied per second ({@link CopyBandwidth}) over the
     * {@code weightBytes} one decode step streams.
     */
    record Bound(double bandwidth, long weightBytes) {
        double tokensPerSecond() {
            return bandwidth / weightBytes;
        }

        String line() {
            return String.format(Locale.ROOT, "Decode bound: %.2f GB/s copied / %.1f MB of weights per token = %.2f tokens/s (\"of bound\" is decode tok/s over it).",
                    bandwidth / 1e9, weightBytes / 1e6, tokensPerSecond());
        }
    }

    /**
     * The table: one row per method and frame count, with its speed-ups over {@code none} at the same frame count,
     * then the decode bound.
     */
    static List<String> markdown(List<BenchRow> rows, Bound bound, Function<BenchRow, MemoryBreakdown> memory) {
        List<String> out = new ArrayList<>();
        out.add(HEADER);
        out.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (BenchRow r : rows) out.add(line(r, none(rows, r.frames), bound, memory.apply(r)));
        out.add("");
        out.add(bound.line());
        return out;
    }

    static String line(BenchRow r, BenchRow none, Bound bound, MemoryBreakdown mem) {
        var s = r.last();
        return String.format(Locale.ROOT, "| %s | %d | %d -> %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.4f | %.2f | %.0f%% | %.3f | %.3f | %s | %s | %s | %s | %s | %s | %s | %s |",
                r.method, r.frames, s.visualTokens(), s.visualKept(), r.decodeVideo(), r.vision(), r.projectPool(), r.compress(), r.prefill(),
                r.ttft(), r.followUpTtft(), r.tokensPerSecond(), 100 * r.tokensPerSecond() / bound.tokensPerSecond(), r.total(), r.totalCached(), Bytes.human(r.kvBytes()),
                r.peakRss() < 0 ? "n/a" : Bytes.human(r.peakRss()), Bytes.human(mem.weights()), Bytes.human(mem.activations()),
                r.peakRss() < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", mem.ratio()),
                ratio(none, r, BenchRow::prefill), ratio(none, r, BenchRow::total), ratio(none, r, BenchRow::totalCached));
    }

    /** {@code none}'s figure over {@code r}'s: how many times faster r is; "-" without a none row. */
    static String ratio(BenchRow none, BenchRow r, java.util.function.ToDoubleFunction<BenchRow> f) {
        if (none == null) return "-";
        return String.format(Locale.ROOT, "%.2f", f.applyAsDouble(none) / f.applyAsDouble(r));
    }

    static BenchRow none(List<BenchRow> rows, int frames) {
        for (BenchRow r : rows) if (r.method.equals("none") && r.frames == frames) return r;
        return null;
    }

    /** {@code {"runs": [...]}}: medians per method and frame count. */
    static ObjectNode json(List<BenchRow> rows, Bound bound, Function<BenchRow, MemoryBreakdown> memory, ObjectNode root) {
        root.put("copy_bandwidth_bytes_per_s", bound.bandwidth()).put("decode_weight_bytes", bound.weightBytes())
                .put("decode_bound_tokens_per_s", bound.tokensPerSecond()).put("huge_pages", OffHeap.hugePagesGranted());
        ArrayNode runs = root.putArray("runs");
        for (BenchRow r : rows) {
            var s = r.last();
            ObjectNode run = runs.addObject();
            run.put("method", r.method).put("frames", r.frames).put("repeats", r.answers.size());
            run.putObject("seconds").put("decode_video", r.decodeVideo()).put("preprocess", r.preprocess()).put("overlapped", r.overlapped()).put("vision", r.vision())
                    .put("project_pool", r.projectPool()).put("compress", r.compress()).put("prefill", r.prefill()).put("generate", r.generate())
                    .put("ttft", r.ttft()).put("total", r.total()).put("total_vision_cached", r.totalCached()).put("followup_ttft", r.followUpTtft());
            run.putObject("collection_seconds").put("encode_young", r.collections(true, 0)).put("encode_old", r.collections(true, 1))
                    .put("answer_young", r.collections(false, 0)).put("answer_old", r.collections(false, 1));
            run.put("decode_tokens_per_s", r.tokensPerSecond()).put("decode_fraction_of_bound", r.tokensPerSecond() / bound.tokensPerSecond())
                    .put("kv_bytes", r.kvBytes()).put("kv_bytes_active", s.kvCacheBytes())
                    .put("kv_bytes_pruned", s.kvPrunedBytes()).put("peak_rss_bytes", r.peakRss());
            MemoryBreakdown mem = memory.apply(r);
            ObjectNode m = run.putObject("memory").put("peak_rss_bytes", mem.peakRss()).put("resident_weight_bytes", mem.weights())
                    .put("kv_bytes", mem.kv()).put("activation_bytes", mem.activations());
            if (mem.peakRss() >= 0) m.put("peak_over_sum", mem.ratio());
            else m.putNull("peak_over_sum");
            run.put("visual_tokens", s.visualTokens()).put("visual_tokens_kept", s.visualKept())
                    .put("visual_tokens_attended_mean", s.visualAttended()).put("flops_llm", s.flopsLlm()).put("prompt_tokens", s.promptTokens());
            BenchRow none = none(rows, r.frames);
            if (none != null) run.putObject("speedup_vs_none").put("prefill", none.prefill() / r.prefill()).put("total", none.total() / r.total())
                    .put("total_vision_cached", none.totalCached() / r.totalCached()).put("kv_bytes", (double) none.kvBytes() / r.kvBytes());
        }
        return root;
    }

    /** A stacked bar per method and frame count: seconds of each stage of the whole answer (vision paid). */
    static void chart(List<BenchRow> rows, String title, Path png) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(800, 90 * rows.size() + 200)).height(560)
                .title(title).xAxisTitle("method @ frames").yAxisTitle("seconds (median)").build();
        chart.getStyler().setStacked(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        List<String> names = new ArrayList<>();
        for (BenchRow r : rows) names.add(r.method + " @ " + r.frames);
        String[] stages = {"decode video", "vision", "project+pool", "compress", "prefill", "decode"};
        for (String stage : stages) {
            List<Double> v = new ArrayList<>();
            for (BenchRow r : rows) v.add(switch (stage) {
                case "decode video" -> Math.max(0, r.decodeVideo() + r.preprocess() - r.overlapped()); // what the vision tower did not hide
                case "vision" -> r.vision();
                case "project+pool" -> r.projectPool();
                case "compress" -> r.compress();
                case "prefill" -> r.prefill();
                default -> r.generate();
            });
            chart.addSeries(stage, names, v);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static String json(ObjectNode root) {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
