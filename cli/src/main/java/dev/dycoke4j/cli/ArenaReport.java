package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.compress.BudgetKind;
import dev.dycoke4j.platform.Bytes;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The arena's cells as Markdown tables (methods by ratios, per budget) and a plot of KL against each budget. */
final class ArenaReport {
    private ArenaReport() {
    }

    /**
     * Per budget, two tables of methods by ratios: the fidelity (mean KL, greedy agreement, the budget reached) and the
     * cost (seconds to compress, prefill and decode, peak RSS); a budget out of a method's reach shows its range.
     */
    static List<String> markdown(List<JsonNode> cells, List<String> methods, double[] ratios, List<BudgetKind> budgets) {
        List<String> md = new ArrayList<>();
        for (BudgetKind b : budgets) {
            md.add("### Budget `" + b.text() + "`: " + b.meaning());
            md.add("");
            md.add("Mean KL(none ‖ method) in nats, greedy agreement with none, and the " + b.text() + " budget reached (relative to none):");
            md.add("");
            md.addAll(table(cells, methods, ratios, b, ArenaReport::fidelity));
            md.add("");
            md.add("Seconds to compress (resolving the budget included), prefill and decode, and the process's peak RSS (VmHWM, reset per cell):");
            md.add("");
            md.addAll(table(cells, methods, ratios, b, ArenaReport::cost));
            md.add("");
        }
        return md;
    }

    private interface Text {
        String of(JsonNode cell, BudgetKind budget);
    }

    private static List<String> table(List<JsonNode> cells, List<String> methods, double[] ratios, BudgetKind b, Text text) {
        List<String> t = new ArrayList<>();
        StringBuilder head = new StringBuilder("| method |"), rule = new StringBuilder("|---|");
        for (double r : ratios) {
            head.append(String.format(Locale.ROOT, " %s |", percent(r)));
            rule.append("---:|");
        }
        t.add(head.toString());
        t.add(rule.toString());
        for (String m : methods) {
            StringBuilder row = new StringBuilder("| " + m + " |");
            for (double r : ratios) {
                JsonNode c = find(cells, m, r, b);
                row.append(' ').append(c == null ? "" : c.has("unreachable") ? unreachable(c) : text.of(c, b)).append(" |");
            }
            t.add(row.toString());
        }
        return t;
    }

    private static String fidelity(JsonNode c, BudgetKind b) {
        return String.format(Locale.ROOT, "%.4g · %.0f%% · %.3g", c.path("kl_mean").asDouble(), 100 * c.path("agreement").asDouble(),
                c.path("reached").path(b.text()).asDouble());
    }

    private static String cost(JsonNode c, BudgetKind b) {
        JsonNode s = c.path("seconds");
        long rss = c.path("peak_rss_bytes").asLong(-1);
        return String.format(Locale.ROOT, "%.3f / %.2f / %.2f s · %s", s.path("resolve").asDouble() + s.path("compress").asDouble(),
                s.path("prefill").asDouble(), s.path("decode").asDouble(), rss < 0 ? "n/a" : Bytes.human(rss));
    }

    private static String unreachable(JsonNode c) {
        JsonNode r = c.path("reachable");
        return r.isObject() ? String.format(Locale.ROOT, "n/a: reaches %.3g to %.3g", r.path("least").asDouble(), r.path("most").asDouble()) : "n/a: never runs";
    }

    /** 0.1 as 10%, 0.125 as 12.5%. */
    private static String percent(double r) {
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.4g", 100 * r)).stripTrailingZeros().toPlainString() + "%";
    }

    static JsonNode find(List<JsonNode> cells, String method, double ratio, BudgetKind b) {
        for (JsonNode c : cells)
            if (c.path("method").asText().equals(method) && c.path("ratio").asDouble() == ratio && c.path("budget").asText().equals(b.text())) return c;
        return null;
    }

    /** A PNG per budget, {@code arena-BUDGET.png}: mean KL against the budget reached, one line per method through its ratios. */
    static List<Path> plots(List<JsonNode> cells, List<String> methods, double[] ratios, List<BudgetKind> budgets, Path dir, String title) throws IOException {
        List<Path> written = new ArrayList<>();
        for (BudgetKind b : budgets) {
            XYChart chart = new XYChartBuilder().width(800).height(560).title(title + ": KL against the " + b.text() + " budget")
                    .xAxisTitle(b.meaning() + " (relative to none)").yAxisTitle("mean KL(none ‖ method), nats").build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
            chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            Map<String, List<double[]>> lines = new LinkedHashMap<>();
            for (String m : methods)
                for (double r : ratios) {
                    JsonNode c = find(cells, m, r, b);
                    if (c == null || c.has("unreachable")) continue;
                    double[] p = {c.path("reached").path(b.text()).asDouble(), c.path("kl_mean").asDouble()};
                    List<double[]> pts = lines.computeIfAbsent(m, k -> new ArrayList<>());
                    if (pts.stream().noneMatch(q -> q[0] == p[0] && q[1] == p[1])) pts.add(p); // none: one point
                }
            for (var e : lines.entrySet()) {
                List<double[]> pts = e.getValue();
                pts.sort(Comparator.comparingDouble(p -> p[0]));
                double[] x = new double[pts.size()], y = new double[pts.size()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = pts.get(i)[0];
                    y[i] = pts.get(i)[1];
                }
                chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
            }
            if (lines.isEmpty()) chart.addSeries("(no cell reached this budget)", new double[]{0}, new double[]{0});
            Path png = dir.resolve("arena-" + b.text() + ".png");
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
            written.add(png);
        }
        return written;
    }
}
