package dev.dycoke4j.vision;

import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.tensor.Tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * SigLIP's attention-pooling head on the vision tower's output, as FastVID applies it: {@code post_layernorm}, then one
 * learned probe attending to every patch (multi-head attention), then {@code x + fc2(gelu_tanh(fc1(LN(x))))}. It gives
 * each frame's pooled embedding and the probe's attention to each patch, averaged over heads. LLaVA-OneVision drops
 * the head; its weights come from the SigLIP checkpoint the tower came from.
 *
 * <p>With a single query, the keys and values need not be computed per patch: the score of patch p in head h is
 * {@code x_p·(W_k,hᵀ q_h) + b_k,h·q_h}, and the head's output is {@code W_v,h (Σ_p a_hp x_p) + b_v,h}.
 */
public final class SiglipPoolingHead {
    /** The tensors the head reads, under the SigLIP checkpoint's {@code vision_model.} prefix. */
    public static final List<String> TENSORS = List.of("post_layernorm.weight", "post_layernorm.bias", "head.probe",
            "head.attention.in_proj_weight", "head.attention.in_proj_bias", "head.attention.out_proj.weight", "head.attention.out_proj.bias",
            "head.layernorm.weight", "head.layernorm.bias", "head.mlp.fc1.weight", "head.mlp.fc1.bias", "head.mlp.fc2.weight", "head.mlp.fc2.bias");
    /** The prefix of those tensors in a SigLIP checkpoint. */
    public static final String PREFIX = "vision_model.";
    /**
     * The file of a head kept in a LLaVA-OneVision checkpoint's folder, in the SigLIP checkpoint's layout (the
     * {@link #TENSORS} under {@link #PREFIX}): the random benchmark checkpoints carry one.
     */
    public static final String BESIDE = "siglip_pooling_head.safetensors";

    private final int dim, heads, inter;
    private final float eps;
    private final float[] postW, postB, probe, inW, inB, outW, outB, lnW, lnB, fc1W, fc1B, fc2W, fc2B;

    /** One frame's outputs: the probe's attention to each patch (head-averaged) and the pooled embedding. */
    public record Output(float[] attention, float[] embedding) {
    }

    private SiglipPoolingHead(int dim, int heads, int inter, float eps, float[][] t) {
        this.dim = dim;
        this.heads = heads;
        this.inter = inter;
        this.eps = eps;
        postW = t[0];
        postB = t[1];
        probe = t[2];
        inW = t[3];
        inB = t[4];
        outW = t[5];
        outB = t[6];
        lnW = t[7];
        lnB = t[8];
        fc1W = t[9];
        fc1B = t[10];
        fc2W = t[11];
        fc2B = t[12];
    }

    /**
     * The head of the SigLIP checkpoint {@code file} (only its {@link #TENSORS} are read), for a tower of {@code dim}
     * channels and {@code heads} heads.
     *
     * @throws ModelFormatException naming the first tensor that is missing or of the wrong size
     */
    public static SiglipPoolingHead read(Path file, int dim, int heads, double layerNormEps) {
        if (heads < 1 || dim % heads != 0) throw new IllegalArgumentException(dim + " channels do not split into " + heads + " heads");
        try (Safetensors st = Safetensors.open(file)) {
            Tensor fc1 = tensor(st, file, "head.mlp.fc1.weight");
            if (fc1.rank() != 2 || fc1.dim(1) != dim)
                throw new ModelFormatException(file + ": " + PREFIX + "head.mlp.fc1.weight is " + Arrays.toString(fc1.shape()) + ", not [*, " + dim + "]");
            int inter = fc1.dim(0);
            long[] sizes = {dim, dim, dim, 3L * dim * dim, 3L * dim, (long) dim * dim, dim, dim, dim, (long) inter * dim, inter, (long) dim * inter, dim};
            float[][] t = new float[TENSORS.size()][];
            for (int i = 0; i < t.length; i++) {
                Tensor x = tensor(st, file, TENSORS.get(i));
                if (x.numel() != sizes[i])
                    throw new ModelFormatException(file + ": " + PREFIX + TENSORS.get(i) + " has " + x.numel() + " values, the head of a "
                            + dim + "-wide tower needs " + sizes[i]);
                t[i] = x.toFloatArray();
            }
            return new SiglipPoolingHead(dim, heads, inter, (float) layerNormEps, t);
        }
    }

    private static Tensor tensor(Safetensors st, Path file, String name) {
        Tensor t = st.tensors().get(PREFIX + name);
        if (t == null) throw new ModelFormatException(file + ": no " + PREFIX + name + " (SigLIP's attention-pooling head)");
        return t;
    }

    public int dim() {
        return dim;
    }

    /** An identity of the weights (for cache keys): a hash of every tensor's values. */
    public String id() {
        int h = Arrays.hashCode(new int[]{dim, heads, inter, Float.floatToIntBits(eps)});
        for (float[] t : new float[][]{postW, postB, probe, inW, inB, outW, outB, lnW, lnB, fc1W, fc1B, fc2W, fc2B}) h = 31 * h + Arrays.hashCode(t);
        return "siglip-head-" + Integer.toHexString(h);
    }

    /** The head on one frame's tower output {@code hidden} ({@code patches} rows of {@link #dim()} from {@code offset}). */
    public Output apply(float[] hidden, int offset, int patches) {
        int d = dim, hd = d / heads;
        float[] x = new float[patches * d];
        float[] rows = Arrays.copyOfRange(hidden, offset, offset + patches * d);
        Norms.layerNorm(rows, postW, postB, eps, x, patches, d);

        double[] q = new double[d];
        for (int o = 0; o < d; o++) q[o] = dot(inW, o * d, probe, 0, d) + inB[o];
        double scale = 1 / Math.sqrt(hd);
        double[] attention = new double[patches];
        double[] mixed = new double[d];
        for (int h = 0; h < heads; h++) {
            // W_k,hᵀ q_h and b_k,h·q_h: the key side of every score in this head
            double[] kq = new double[d];
            double bias = 0;
            for (int j = 0; j < hd; j++) {
                int o = d + h * hd + j;
                double qj = q[h * hd + j];
                bias += inB[o] * qj;
                for (int c = 0; c < d; c++) kq[c] += inW[o * d + c] * qj;
            }
            double[] p = new double[patches];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < patches; i++) {
                double s = bias;
                for (int c = 0; c < d; c++) s += x[i * d + c] * kq[c];
                p[i] = s * scale;
                max = Math.max(max, p[i]);
            }
            double sum = 0;
            for (int i = 0; i < patches; i++) sum += p[i] = Math.exp(p[i] - max);
            double[] xa = new double[d];
            for (int i = 0; i < patches; i++) {
                p[i] /= sum;
                attention[i] += p[i] / heads;
                for (int c = 0; c < d; c++) xa[c] += p[i] * x[i * d + c];
            }
            for (int j = 0; j < hd; j++) {
                int o = 2 * d + h * hd + j;
                double v = inB[o];
                for (int c = 0; c < d; c++) v += inW[o * d + c] * xa[c];
                mixed[h * hd + j] = v;
            }
        }
        float[] att = new float[d];
        for (int o = 0; o < d; o++) {
            double v = outB[o];
            for (int c = 0; c < d; c++) v += outW[o * d + c] * mixed[c];
            att[o] = (float) v;
        }
        float[] ln = new float[d];
        Norms.layerNorm(att, lnW, lnB, eps, ln, 1, d);
        float[] h1 = new float[inter];
        for (int o = 0; o < inter; o++) h1[o] = (float) (dot(fc1W, o * d, ln, d) + fc1B[o]);
        Activations.geluTanh(h1, inter);
        float[] emb = new float[d];
        for (int o = 0; o < d; o++) emb[o] = (float) (att[o] + dot(fc2W, o * inter, h1, inter) + fc2B[o]);
        float[] a = new float[patches];
        for (int i = 0; i < patches; i++) a[i] = (float) attention[i];
        return new Output(a, emb);
    }

    private static double dot(float[] w, int at, float[] v, int from, int n) {
        double s = 0;
        for (int c = 0; c < n; c++) s += (double) w[at + c] * v[from + c];
        return s;
    }

    private static double dot(float[] w, int at, float[] v, int n) {
        return dot(w, at, v, 0, n);
    }
}
