package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.compress.HoliTom;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.util.Arrays;

/**
 * A golden HoliTom case replayed: its hyperparameters as the official code's environment variables ({@code RETAIN_RATIO},
 * {@code T}, {@code BETA}, {@code D}, {@code K}, {@code MAX_WINDOW_SIZE}), its input's stand-in attention
 * ({@code attn_INPUT}), and the case's recorded tie-break noise ({@code _dpc_noise}, call by call) where the file has
 * it, else torch's draws after {@code manual_seed(0)}. Writes {@code _src_idx}, {@code _kind}, {@code _segments} and
 * {@code _output}.
 */
final class HoliTomCase {
    private HoliTomCase() {
    }

    /** Runs case {@code name} and adds its tensors to {@code w}; returns the tokens it keeps. */
    static int replay(String name, JsonNode c, Safetensors g, VisualTokens in, SafetensorsWriter w) {
        String attnKey = "attn_" + c.get("input").asText();
        if (!g.tensors().containsKey(attnKey)) throw new IllegalArgumentException(name + ": its attention " + attnKey + " is not in " + g.file());
        float[] attn = g.get(attnKey).toFloatArray();
        HoliTom h = new HoliTom(CompressReplayCommand.number(name, c, "RETAIN_RATIO"), CompressReplayCommand.number(name, c, "T"),
                CompressReplayCommand.number(name, c, "BETA"), CompressReplayCommand.number(name, c, "D"),
                (int) CompressReplayCommand.number(name, c, "K"), (int) CompressReplayCommand.number(name, c, "MAX_WINDOW_SIZE"));
        HoliTom.Result r = h.run(in, attn, g.tensors().containsKey(name + "_dpc_noise") ? recorded(name, g) : HoliTom.TieBreak.torch(0));
        VisualTokens o = r.tokens();
        long[] segments = r.windows().segments().stream().flatMapToLong(s -> Arrays.stream(s).asLongStream()).toArray();
        w.addLongs(name + "_src_idx", longs(o.sourceIndex()), o.count());
        w.addLongs(name + "_kind", longs(r.kind()), o.count());
        w.addLongs(name + "_segments", segments, segments.length / 2, 2);
        w.add(name + "_output", DType.F32, Arrays.copyOf(o.features(), o.count() * o.dim()), o.count(), o.dim());
        return o.count();
    }

    /** The case's recorded draws, call by call, each call's shape checked against {@code _dpc_noise_shapes}. */
    private static HoliTom.TieBreak recorded(String name, Safetensors g) {
        float[] all = g.get(name + "_dpc_noise").toFloatArray();
        Tensor shapesTensor = g.tensors().containsKey(name + "_dpc_noise_shapes") ? g.get(name + "_dpc_noise_shapes") : null;
        long[] shapes = shapesTensor == null ? null : shapesTensor.toLongArray();
        int[] call = {0}, at = {0};
        return (rows, cols) -> {
            int i = call[0]++;
            if (shapes != null && (2 * i + 1 >= shapes.length || shapes[2 * i] != rows || shapes[2 * i + 1] != cols))
                throw new IllegalArgumentException(name + ": noise draw " + i + " is " + rows + "x" + cols + ", which the recorded shapes do not have");
            if (at[0] + rows * cols > all.length)
                throw new IllegalArgumentException(name + ": " + name + "_dpc_noise holds " + all.length + " draws, fewer than the case needs");
            float[] u = Arrays.copyOfRange(all, at[0], at[0] + rows * cols);
            at[0] += rows * cols;
            return u;
        };
    }

    private static long[] longs(int[] v) {
        return Arrays.stream(v).asLongStream().toArray();
    }
}
