import dev.dycoke4j.compress.DynamicPruning;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.pipeline.LoadOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;

/**
 * LLM prefill and decode of one build, for A/B runs of two builds in alternating processes ({@code scripts/ab-llm}):
 * a fixed random 1700-token prompt, 64 greedy tokens, q8 weights with a bf16 KV cache, and q8 with DyCoke's DP on the
 * compact store (an F32 cache, int8 compact rows) over 1568 "visual" positions. Prints medians and every run as JSON,
 * and a hash of the tokens, which must be equal across builds. Uses only APIs that older builds have too.
 */
public class LlmAb {
    public static void main(String[] a) {
        Path dir = Path.of(a[0]);
        int repeats = Integer.parseInt(a[1]);
        int n = 1700, newTok = 64, visualStart = 14, visual = 1568;
        Random rnd = new Random(7);
        int[] prompt = new int[n];
        for (int i = 0; i < n; i++) prompt[i] = 100 + rnd.nextInt(50000);
        StringBuilder out = new StringBuilder("{");
        for (String config : (a.length > 2 ? a[2] : "q8+bf16,q8+f32+dp-compact").split(",")) {
            LoadOptions lo = config.contains("bf16") ? LoadOptions.q8().withKvCache(KvCache.Precision.BF16) : LoadOptions.q8();
            try (LlavaOneVision model = LlavaOneVision.load(dir, lo)) {
                Qwen2Decoder dec = model.decoder();
                double[] pre = new double[repeats], dek = new double[repeats];
                int[] tokens = null;
                for (int r = -1; r < repeats; r++) {
                    KvCache cache = dec.newCache(n + newTok);
                    Generator.Result res = config.contains("dp")
                            ? Generator.run(dec, cache, dec.embed(prompt), n, Sampler.greedy(), newTok, Set.of(), false, null,
                                new DynamicPruning(DynamicPruning.Mode.OFFICIAL, 3, 0.7, visualStart, visual, newTok, KvCache.CompactType.INT8))
                            : Generator.run(dec, cache, dec.embed(prompt), n, Sampler.greedy(), newTok, Set.of(), false, null);
                    if (r >= 0) { pre[r] = res.prefillSeconds(); dek[r] = res.decodeSeconds(); }
                    tokens = res.tokens();
                }
                Arrays.sort(pre); Arrays.sort(dek);
                out.append(String.format("\"%s\": {\"prefill_s\": %.4f, \"decode_s\": %.4f, \"prefill_runs\": \"%s\", \"decode_runs\": \"%s\", \"tokens_hash\": %d}, ",
                        config, pre[repeats / 2], dek[repeats / 2], Arrays.toString(pre), Arrays.toString(dek), Arrays.hashCode(tokens)));
            }
        }
        System.out.println(out.append("\"n\": ").append(n).append("}"));
    }
}
