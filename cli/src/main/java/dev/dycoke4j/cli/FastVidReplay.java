package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.compress.FastVid;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.util.Arrays;

/**
 * A FastVID case of a golden file, for {@code dycoke compress replay}: the case's hyperparameters ({@code fastvid_*}),
 * the file's stand-in frame signals for its input ({@code probe_attn_INPUT} [F, T], {@code global_INPUT} [F, G]) and the
 * recorded density noise ({@code NAME_dpc_noise}, when present). Writes {@code _src_idx}, {@code _kind},
 * {@code _segments}, {@code _frame_context_num} and {@code _output}.
 */
final class FastVidReplay {
    private FastVidReplay() {
    }

    /** Runs case {@code name} and adds its tensors to {@code w}; returns the tokens it keeps. */
    static int replay(String name, JsonNode c, VisualTokens in, Safetensors g, SafetensorsWriter w) {
        String input = c.get("input").asText();
        if (c.has("frame_token_len") && c.get("frame_token_len").asInt() != in.tokensPerFrame())
            throw new IllegalArgumentException(name + ": frame_token_len " + c.get("frame_token_len").asInt() + " but the input has "
                    + in.tokensPerFrame() + " tokens per frame");
        FastVid.Params p = new FastVid.Params(number(name, c, "fastvid_retention_ratio"), (int) number(name, c, "fastvid_DySeg_c"),
                number(name, c, "fastvid_DySeg_tau"), number(name, c, "fastvid_STPrune_d"), (int) number(name, c, "fastvid_DTM_p"),
                number(name, c, "fastvid_DTM_beta"));
        Tensor probe = tensor(g, name, "probe_attn_" + input, 2), global = tensor(g, name, "global_" + input, 2);
        float[] noise = g.tensors().containsKey(name + "_dpc_noise") ? g.get(name + "_dpc_noise").toFloatArray() : null;
        FastVid.Result r = new FastVid(p).run(in, new FastVid.FrameSignals(probe.toFloatArray(), global.toFloatArray(), global.dim(1)), noise);
        VisualTokens o = r.tokens();
        w.addLongs(name + "_src_idx", longs(o.sourceIndex()), o.count());
        w.addLongs(name + "_kind", longs(r.kind()), o.count());
        w.addLongs(name + "_segments", longs(r.segments()), r.segments().length);
        w.addLongs(name + "_frame_context_num", longs(r.frameContext()), r.frameContext().length);
        w.add(name + "_output", DType.F32, Arrays.copyOf(o.features(), o.count() * o.dim()), o.count(), o.dim());
        return o.count();
    }

    private static Tensor tensor(Safetensors g, String name, String key, int rank) {
        if (!g.tensors().containsKey(key)) throw new IllegalArgumentException(name + ": " + key + " is not in " + g.file());
        Tensor t = g.get(key);
        if (t.rank() != rank || t.dtype() != DType.F32)
            throw new IllegalArgumentException(key + " must be F32 of rank " + rank + ", got " + t.dtype() + " " + Arrays.toString(t.shape()));
        return t;
    }

    private static double number(String name, JsonNode c, String key) {
        JsonNode v = c.get(key);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException(name + ": " + key + " must be a number, got " + v);
        return v.asDouble();
    }

    private static long[] longs(int[] v) {
        long[] r = new long[v.length];
        for (int i = 0; i < v.length; i++) r[i] = v[i];
        return r;
    }
}
