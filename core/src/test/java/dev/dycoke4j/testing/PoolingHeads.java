package dev.dycoke4j.testing;

import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A SigLIP attention-pooling head with random weights, as a SigLIP checkpoint stores it (the tensors under
 * {@code vision_model.}), and the head computed the plain way from those tensors: every patch's key and value, the
 * softmax per head, in double.
 */
public final class PoolingHeads {
    private PoolingHeads() {
    }

    /** The head's tensors for a tower of {@code dim} channels and an MLP of {@code inter}, from {@code seed}. */
    public static Map<String, float[]> weights(int dim, int inter, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> w = new LinkedHashMap<>();
        w.put("post_layernorm.weight", values(r, dim, 1, 0.2));
        w.put("post_layernorm.bias", values(r, dim, 0, 0.1));
        w.put("head.probe", values(r, dim, 0, 1));
        w.put("head.attention.in_proj_weight", values(r, 3 * dim * dim, 0, 1 / Math.sqrt(dim)));
        w.put("head.attention.in_proj_bias", values(r, 3 * dim, 0, 0.1));
        w.put("head.attention.out_proj.weight", values(r, dim * dim, 0, 1 / Math.sqrt(dim)));
        w.put("head.attention.out_proj.bias", values(r, dim, 0, 0.1));
        w.put("head.layernorm.weight", values(r, dim, 1, 0.2));
        w.put("head.layernorm.bias", values(r, dim, 0, 0.1));
        w.put("head.mlp.fc1.weight", values(r, inter * dim, 0, 1 / Math.sqrt(dim)));
        w.put("head.mlp.fc1.bias", values(r, inter, 0, 0.1));
        w.put("head.mlp.fc2.weight", values(r, dim * inter, 0, 1 / Math.sqrt(inter)));
        w.put("head.mlp.fc2.bias", values(r, dim, 0, 0.1));
        return w;
    }

    /** A safetensors file of {@code w} (names under {@code vision_model.}) plus an unrelated tensor, as bytes. */
    public static byte[] file(Map<String, float[]> w, int dim, Path tmp) throws IOException {
        SafetensorsWriter out = new SafetensorsWriter();
        int inter = w.get("head.mlp.fc1.bias").length;
        for (var e : w.entrySet()) {
            float[] v = e.getValue();
            long[] shape = switch (e.getKey()) {
                case "head.probe" -> new long[]{1, 1, dim};
                case "head.attention.in_proj_weight" -> new long[]{3L * dim, dim};
                case "head.attention.out_proj.weight" -> new long[]{dim, dim};
                case "head.mlp.fc1.weight" -> new long[]{inter, dim};
                case "head.mlp.fc2.weight" -> new long[]{dim, inter};
                default -> new long[]{v.length};
            };
            out.add("vision_model." + e.getKey(), DType.F32, v, shape);
        }
        out.add("text_model.final_layer_norm.weight", DType.F32, new float[dim], dim);
        Path f = Files.createTempFile(tmp, "siglip", ".safetensors");
        out.write(f);
        return Files.readAllBytes(f);
    }

    /**
     * The head on one frame's {@code hidden} [patches, dim] with {@code heads} heads: {@code [0]} the probe's attention
     * to each patch averaged over heads, {@code [1]} the pooled embedding.
     */
    public static double[][] reference(Map<String, float[]> w, float[] hidden, int patches, int dim, int heads, double eps) {
        double[][] x = new double[patches][];
        for (int i = 0; i < patches; i++) {
            double[] row = new double[dim];
            for (int c = 0; c < dim; c++) row[c] = hidden[i * dim + c];
            x[i] = layerNorm(row, w.get("post_layernorm.weight"), w.get("post_layernorm.bias"), eps);
        }
        float[] in = w.get("head.attention.in_proj_weight"), inB = w.get("head.attention.in_proj_bias");
        double[] q = affine(in, inB, 0, toDouble(w.get("head.probe")), dim);
        double[][] k = new double[patches][], v = new double[patches][];
        for (int i = 0; i < patches; i++) {
            k[i] = affine(in, inB, dim, x[i], dim);
            v[i] = affine(in, inB, 2 * dim, x[i], dim);
        }
        int hd = dim / heads;
        double[] attention = new double[patches], mixed = new double[dim];
        for (int h = 0; h < heads; h++) {
            double[] s = new double[patches];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < patches; i++) {
                for (int j = 0; j < hd; j++) s[i] += q[h * hd + j] * k[i][h * hd + j];
                s[i] /= Math.sqrt(hd);
                max = Math.max(max, s[i]);
            }
            for (int i = 0; i < patches; i++) sum += s[i] = Math.exp(s[i] - max);
            for (int i = 0; i < patches; i++) {
                attention[i] += s[i] / sum / heads;
                for (int j = 0; j < hd; j++) mixed[h * hd + j] += s[i] / sum * v[i][h * hd + j];
            }
        }
        double[] a = affine(w.get("head.attention.out_proj.weight"), w.get("head.attention.out_proj.bias"), 0, mixed, dim);
        double[] ln = layerNorm(a, w.get("head.layernorm.weight"), w.get("head.layernorm.bias"), eps);
        int inter = w.get("head.mlp.fc1.bias").length;
        double[] h1 = affine(w.get("head.mlp.fc1.weight"), w.get("head.mlp.fc1.bias"), 0, ln, inter);
        for (int i = 0; i < inter; i++) h1[i] = 0.5 * h1[i] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (h1[i] + 0.044715 * h1[i] * h1[i] * h1[i])));
        double[] h2 = affine(w.get("head.mlp.fc2.weight"), w.get("head.mlp.fc2.bias"), 0, h1, dim);
        double[] emb = new double[dim];
        for (int c = 0; c < dim; c++) emb[c] = a[c] + h2[c];
        return new double[][]{attention, emb};
    }

    /** Rows {@code from..from+out} of {@code w} (each as long as {@code x}) times {@code x}, plus the bias's same rows. */
    private static double[] affine(float[] w, float[] b, int from, double[] x, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b[from + o];
            for (int c = 0; c < x.length; c++) s += (double) w[(from + o) * x.length + c] * x[c];
            y[o] = s;
        }
        return y;
    }

    private static double[] layerNorm(double[] x, float[] g, float[] b, double eps) {
        double mean = 0, var = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        for (double v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (x[i] - mean) / Math.sqrt(var + eps) * g[i] + b[i];
        return y;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static float[] values(Random r, int n, double mean, double sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + sd * r.nextGaussian());
        return v;
    }
}
