package dev.dycoke4j.llm;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.testing.Oracle;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Runs the tiny LLaVA-OneVision checkpoint's vision tower, projector and prefill, the tiny Qwen2.5-VL decoder through
 * a prefill and greedy decode steps, and the GELU and SiLU epilogues over random data, then prints one SHA-256 of every float's bits. {@link CompiledOrNotTest} runs it in JVMs that only
 * interpret and that compile everything before running it: the Vector API's operations then take their Java
 * fallbacks in one and their intrinsics in the other, and the hashes must agree.
 */
public final class CompiledOrNotProbe {
    private CompiledOrNotProbe() {
    }

    /** Prints the hash of each of {@code args[0]} runs (one by default), a line each. */
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        for (int i = 0; i < runs; i++) System.out.println(hash());
    }

    static String hash() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model()); Safetensors g = Oracle.golden("forward.safetensors")) {
            float[] hidden = m.visionHidden(g.get("pixel_values_videos").toFloatArray(), 8);
            add(md, hidden);
            add(md, m.project(hidden, 8 * 49));
            int[] in = g.get("input_ids").toIntArray();
            add(md, m.decoder().forward(m.inputsEmbeds(in, g.get("video_embeds").toFloatArray()), in.length, m.newCache(in.length), in.length));
        }
        try (QwenOracle q = QwenOracle.load(); Safetensors g = QwenOracle.golden("forward.safetensors")) {
            Positions p = Positions.ofRows(g.get("position_ids").toLongArray());
            KvCache cache = q.decoder.newCache(256);
            Generator gen = new Generator(q.decoder, cache, g.get("inputs_embeds").toFloatArray(), p, Sampler.greedy(), 4, Set.of(), null, null);
            while (!gen.prefillDone()) gen.prefill(64, false);
            while (!gen.done()) {
                add(md, gen.logits());
                gen.choose();
                gen.feed();
            }
            for (int t : gen.tokens()) md.update((byte) t);
        }
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[4099], up = new float[4099];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 12 - 6);
            up[i] = (float) (r.nextDouble() * 2 - 1);
        }
        float[] gelu = x.clone();
        Activations.geluTanhRange(gelu, 0, gelu.length);
        add(md, gelu);
        Activations.siluMul(x, up, x.length);
        add(md, x);
        return HexFormat.of().formatHex(md.digest());
    }

    private static void add(MessageDigest md, float[] a) {
        byte[] b = new byte[4 * a.length];
        for (int i = 0; i < a.length; i++) {
            int v = Float.floatToRawIntBits(a[i]);
            b[4 * i] = (byte) v;
            b[4 * i + 1] = (byte) (v >>> 8);
            b[4 * i + 2] = (byte) (v >>> 16);
            b[4 * i + 3] = (byte) (v >>> 24);
        }
        md.update(b);
    }
}
