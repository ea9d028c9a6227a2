package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A PNG per task: its score against each budget measure, one line per method through its budgets. */
final class Plots {
    private static final int W = 640, H = 420;
    /** The measures on the x axes: the result key, its axis title and its scale. */
    private static final String[][] MEASURES = {
            {"visual_tokens_in_llm", "visual tokens entering the LLM", "1"},
            {"visual_tokens_attended_per_step", "visual tokens attended per decode step (mean)", "1"},
            {"prefill_flops", "prefill TFLOPs", "1e-12"},
            {"kv_bytes", "KV cache MB", "1e-6"}};

    private Plots() {
    }

    static void write(Path dir, JsonNode results) {
        Map<String, List<JsonNode>> byTask = new LinkedHashMap<>();
        for (JsonNode c : results) byTask.computeIfAbsent(c.path("task").asText(), t -> new ArrayList<>()).add(c);
        for (var e : byTask.entrySet()) {
            String metric = null;
            for (JsonNode c : e.getValue()) if ((metric = CellResult.primary(c)) != null) break;
            if (metric == null) continue;
            BufferedImage img = new BufferedImage(2 * W, 2 * H, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 2 * W, 2 * H);
            for (int i = 0; i < MEASURES.length; i++) {
                XYChart chart = chart(e.getKey(), metric, e.getValue(), MEASURES[i]);
                Graphics2D sub = (Graphics2D) g.create((i % 2) * W, (i / 2) * H, W, H);
                chart.paint(sub, W, H);
                sub.dispose();
            }
            g.dispose();
            Path png = dir.resolve("plot-" + e.getKey() + ".png");
            AtomicFiles.write(png, tmp -> {
                if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer");
            });
        }
    }

    private static XYChart chart(String task, String metric, List<JsonNode> cells, String[] measure) {
        XYChart chart = new XYChartBuilder().width(W).height(H).title(task + ": " + metric).xAxisTitle(measure[1]).yAxisTitle(metric).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        double scale = Double.parseDouble(measure[2]);
        Map<String, List<double[]>> byMethod = new LinkedHashMap<>();
        for (JsonNode c : cells) {
            JsonNode v = c.path("metrics").path(metric).path("value");
            if (!v.isNumber()) continue;
            byMethod.computeIfAbsent(c.path("method").asText(), m -> new ArrayList<>()).add(new double[]{c.path(measure[0]).asDouble() * scale, v.asDouble()});
        }
        for (var m : byMethod.entrySet()) {
            List<double[]> pts = m.getValue();
            pts.sort(Comparator.comparingDouble(p -> p[0]));
            double[] x = new double[pts.size()], y = new double[pts.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            chart.addSeries(m.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        return chart;
    }
}
