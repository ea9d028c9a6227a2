package dev.dycoke4j.peer.llamacpp;

import dev.dycoke4j.peer.TextEngine;
import dev.dycoke4j.peer.DycokeText;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.peer.Median;
import dev.dycoke4j.peer.PeerBenchmark;
import dev.dycoke4j.pipeline.LoadOptions;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code dycoke bench --peer llamacpp}: LLM prefill and greedy decode, text only, of our Qwen2 decoder and of
 * llama.cpp's CPU build (through node-llama-cpp, in a Node.js process: {@link LlamaCppProcess}) on the same weights,
 * the same prompt ids and the same thread count, in one run. llama.cpp reads a GGUF of the checkpoint's language model
 * ({@link GgufLayout}): F16 against our weights as stored (BF16), or Q8_0 against our {@code --weights q8}; flash
 * attention on, no GPU layers. Each repeat runs ours, then llama.cpp, so that both see the same load on a shared
 * machine; untimed runs of each at the full prompt and token counts come first ({@code --warmup}).
 */
public final class LlamaCppPeer implements PeerBenchmark {
    /** Seed of the prompt ids: the same prompt as {@code --peer jlama} feeds. */
    static final long PROMPT_SEED = 7;

    @Override
    public String name() {
        return "llamacpp";
    }

    @Override
    public void run(Request r, PrintWriter out, PrintWriter err) throws Exception {
        if (r.newTokens() < 2) throw new IllegalArgumentException("--max-new-tokens must be at least 2 to time decode steps");
        // absolute: Node.js runs in the install folder
        Path cache = r.cacheDir().toAbsolutePath().normalize();
        Path script = NodeLlamaCpp.ensure(cache.resolve("node-llama-cpp"), err);
        Path model = r.model().toAbsolutePath().normalize();
        boolean q8 = r.load().weights() == LoadOptions.WeightFormat.Q8;
        GgufLayout.Precision precision = q8 ? GgufLayout.Precision.Q8_0 : GgufLayout.Precision.F16;
        Path dir = cache.resolve("peer-llamacpp").resolve(model.getFileName() + "-" + Integer.toHexString(model.toString().hashCode()));
        err.println("dycoke bench: the language model of " + model + " as a GGUF (" + precision + "), in " + dir + " (written once)");
        err.flush();
        Path gguf = GgufLayout.ensure(model, dir, precision);
        double[] ourPrefill = new double[r.repeat()], ourDecode = new double[r.repeat()];
        double[] peerPrefill = new double[r.repeat()], peerDecode = new double[r.repeat()];
        int agree = 0;
        String release;
        int[] prompt = promptIds(r.promptTokens(), LlavaConfig.load(model.resolve("config.json")).text().vocabSize());
        try (DycokeText ours = new DycokeText(model, r.load());
             LlamaCppProcess peer = new LlamaCppProcess(script, gguf, r.threads(), prompt.length + r.newTokens() + 1, err)) {
            release = peer.info.path("llama_cpp").asText("?");
            if (!peer.info.path("flash_attention").asBoolean())
                err.println("dycoke bench: note: llama.cpp did not turn flash attention on for this model");
            err.println(String.format(Locale.ROOT, "dycoke bench: %d prompt tokens, %d new tokens (greedy), %d threads each (llama.cpp %s: %d threads, batch %d), %d timed run%s after %d untimed",
                    prompt.length, r.newTokens(), r.threads(), release, peer.info.path("threads").asInt(), peer.info.path("batch_size").asInt(),
                    r.repeat(), r.repeat() == 1 ? "" : "s", r.warmup()));
            err.flush();
            for (int i = 0; i < r.warmup(); i++) {
                TextEngine.Run a = ours.generate(prompt, r.newTokens()), b = peer.generate(prompt, r.newTokens());
                err.println(timings("warm-up " + (i + 1), a, b));
                err.flush();
            }
            for (int i = 0; i < r.repeat(); i++) {
                TextEngine.Run a = ours.generate(prompt, r.newTokens()), b = peer.generate(prompt, r.newTokens());
                ourPrefill[i] = a.prefillTokensPerSecond(prompt.length);
                ourDecode[i] = a.decodeTokensPerSecond();
                peerPrefill[i] = b.prefillTokensPerSecond(prompt.length);
                peerDecode[i] = b.decodeTokensPerSecond();
                agree = commonPrefix(a.tokens(), b.tokens());
                err.println(timings("run " + (i + 1), a, b));
                err.flush();
            }
        }
        double op = Median.of(ourPrefill), od = Median.of(ourDecode), pp = Median.of(peerPrefill), pd = Median.of(peerDecode);
        // with --json, standard output carries the JSON alone: the table goes to the error output with the progress lines
        PrintWriter table = r.json() ? err : out;
        table.println("| engine | prompt tokens | prefill tok/s | decode tok/s |");
        table.println("|---|---:|---:|---:|");
        table.println(String.format(Locale.ROOT, "| %s | %d | %.1f | %.2f |", ourLabel(r.load()), r.promptTokens(), op, od));
        table.println(String.format(Locale.ROOT, "| llama.cpp %s %s (node-llama-cpp %s) | %d | %.1f | %.2f |", release, precision, NodeLlamaCpp.VERSION,
                r.promptTokens(), pp, pd));
        table.println(String.format(Locale.ROOT, "| dycoke / llama.cpp | | %.2fx | %.2fx |", op / pp, od / pd));
        table.println(String.format(Locale.ROOT, "greedy tokens identical for the first %d of %d", agree, r.newTokens()));
        table.flush();
        if (r.json()) {
            out.println(json(r.promptTokens(), op, pp, od, pd, r.machine()));
            out.flush();
        }
    }

    private static String ourLabel(LoadOptions load) {
        List<String> flags = new ArrayList<>();
        if (load.weights() == LoadOptions.WeightFormat.Q8) flags.add("--weights q8");
        if (load.kvCache() != KvCache.Precision.F32) flags.add("--kv-cache " + load.kvCache().id());
        return flags.isEmpty() ? "dycoke" : "dycoke (" + String.join(", ", flags) + ")";
    }

    /** One progress line: both engines' prefill and decode seconds of one run. */
    static String timings(String label, TextEngine.Run ours, TextEngine.Run peer) {
        return String.format(Locale.ROOT, "  %s: prefill %.3f s vs %.3f s, decode %.3f s vs %.3f s (dycoke vs llama.cpp)",
                label, ours.prefillSeconds(), peer.prefillSeconds(), ours.decodeSeconds(), peer.decodeSeconds());
    }

    /** The {@code --json} document: exactly these keys, the shape of {@code --peer jlama}'s (with the machine the figures belong to). */
    static String json(int promptTokens, double ourPrefill, double peerPrefill, double ourDecode, double peerDecode, Map<String, Object> machine) {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("peer", "llamacpp").put("prompt_tokens", promptTokens);
        root.set("machine", new ObjectMapper().valueToTree(machine));
        root.putObject("prefill_tokens_per_s").put("dycoke", ourPrefill).put("llamacpp", peerPrefill);
        root.putObject("decode_tokens_per_s").put("dycoke", ourDecode).put("llamacpp", peerDecode);
        return root.toPrettyString();
    }

    /** {@code n} ids drawn uniformly from the vocabulary with a fixed seed, as {@code --peer jlama} draws them. */
    static int[] promptIds(int n, int vocab) {
        SplittableRandom rnd = new SplittableRandom(PROMPT_SEED);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rnd.nextInt(vocab);
        return ids;
    }

    static int commonPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && n < b.length && a[n] == b[n]) n++;
        return n;
    }
}
