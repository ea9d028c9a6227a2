package dev.dycoke4j.peer.jlama;

import dev.dycoke4j.peer.TextEngine;
import dev.dycoke4j.peer.DycokeText;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.peer.Median;
import dev.dycoke4j.peer.PeerBenchmark;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code dycoke bench --peer jlama}: LLM prefill and greedy decode, text only, of our Qwen2 decoder and of Jlama on
 * the same weights and the same prompt ids, with the same thread count, in one run: ours in this JVM, Jlama in a child
 * JVM with the same options ({@link JlamaProcess} says why not in one). Each repeat runs ours, then Jlama, so that both
 * see the same load on a shared machine. Untimed runs of each at the full prompt and token counts
 * come first ({@code --warmup}, one by default): with only a short warm-up, the first timed runs included the JIT
 * compiling decode code for long contexts, and our decode got faster run after run (2.86 s, then 2.78, 2.49, 2.44,
 * 2.41 s for 64 tokens).
 */
public final class JlamaPeer implements PeerBenchmark {
    /** Seed of the prompt ids, so that every run feeds the same prompt. */
    static final long PROMPT_SEED = 7;

    @Override
    public String name() {
        return "jlama";
    }

    @Override
    public void run(Request r, PrintWriter out, PrintWriter err) throws Exception {
        if (r.newTokens() < 2) throw new IllegalArgumentException("--max-new-tokens must be at least 2 to time decode steps");
        Path model = r.model().toAbsolutePath().normalize();
        Path layout = r.cacheDir().resolve("peer-jlama").resolve(model.getFileName() + "-" + Integer.toHexString(model.toString().hashCode()));
        err.println("dycoke bench: the language model of " + model + " in Jlama's Qwen2 layout, at " + layout + " (written once)");
        JlamaLayout.ensure(model, layout);
        double[] ourPrefill = new double[r.repeat()], ourDecode = new double[r.repeat()];
        double[] peerPrefill = new double[r.repeat()], peerDecode = new double[r.repeat()];
        int agree = 0;
        try (DycokeText ours = new DycokeText(model, r.load()); JlamaProcess peer = new JlamaProcess(layout, r.threads(), JlamaProcess.WORKING_Q)) {
            int[] prompt = promptIds(r.promptTokens(), vocab(model));
            err.println(String.format(Locale.ROOT, "dycoke bench: %d prompt tokens, %d new tokens (greedy), %d threads each, %d timed run%s after %d untimed",
                    prompt.length, r.newTokens(), r.threads(), r.repeat(), r.repeat() == 1 ? "" : "s", r.warmup()));
            for (int i = 0; i < r.warmup(); i++) {
                TextEngine.Run a = ours.generate(prompt, r.newTokens()), b = peer.generate(prompt, r.newTokens());
                err.println(timings("warm-up " + (i + 1), a, b));
            }
            for (int i = 0; i < r.repeat(); i++) {
                TextEngine.Run a = ours.generate(prompt, r.newTokens()), b = peer.generate(prompt, r.newTokens());
                ourPrefill[i] = a.prefillTokensPerSecond(prompt.length);
                ourDecode[i] = a.decodeTokensPerSecond();
                peerPrefill[i] = b.prefillTokensPerSecond(prompt.length);
                peerDecode[i] = b.decodeTokensPerSecond();
                agree = commonPrefix(a.tokens(), b.tokens());
                err.println(timings("run " + (i + 1), a, b));
            }
        }
        double op = Median.of(ourPrefill), od = Median.of(ourDecode), pp = Median.of(peerPrefill), pd = Median.of(peerDecode);
        // with --json, standard output carries the JSON alone: the table goes to the error output with the progress lines
        PrintWriter table = r.json() ? err : out;
        table.println("| engine | prompt tokens | prefill tok/s | decode tok/s |");
        table.println("|---|---:|---:|---:|");
        var load = r.load();
        java.util.List<String> flags = new java.util.ArrayList<>();
        if (load.weights() == dev.dycoke4j.pipeline.LoadOptions.WeightFormat.Q8) flags.add("--weights q8");
        if (load.kvCache() != dev.dycoke4j.llm.KvCache.Precision.F32) flags.add("--kv-cache " + load.kvCache().id());
        String ours = flags.isEmpty() ? "dycoke" : "dycoke (" + String.join(", ", flags) + ")";
        table.println(String.format(Locale.ROOT, "| %s | %d | %.1f | %.2f |", ours, r.promptTokens(), op, od));
        table.println(String.format(Locale.ROOT, "| jlama %s | %d | %.1f | %.2f |", "0.8.4", r.promptTokens(), pp, pd));
        table.println(String.format(Locale.ROOT, "| dycoke / jlama | | %.2fx | %.2fx |", op / pp, od / pd));
        table.println(String.format(Locale.ROOT, "greedy tokens identical for the first %d of %d", agree, r.newTokens()));
        table.flush();
        if (r.json()) {
            out.println(json(r.promptTokens(), op, pp, od, pd, r.machine()));
            out.flush();
        }
    }

    /** One progress line: both engines' prefill and decode seconds of one run. */
    static String timings(String label, TextEngine.Run ours, TextEngine.Run peer) {
        return String.format(Locale.ROOT, "  %s: prefill %.3f s vs %.3f s, decode %.3f s vs %.3f s (dycoke vs jlama)",
                label, ours.prefillSeconds(), peer.prefillSeconds(), ours.decodeSeconds(), peer.decodeSeconds());
    }

    /** The {@code --json} document: exactly these keys. */
    static String json(int promptTokens, double ourPrefill, double peerPrefill, double ourDecode, double peerDecode,
                       java.util.Map<String, Object> machine) {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("peer", "jlama").put("prompt_tokens", promptTokens);
        root.set("machine", new ObjectMapper().valueToTree(machine));
        root.putObject("prefill_tokens_per_s").put("dycoke", ourPrefill).put("jlama", peerPrefill);
        root.putObject("decode_tokens_per_s").put("dycoke", ourDecode).put("jlama", peerDecode);
        return root.toPrettyString();
    }

    private static int vocab(Path model) {
        return dev.dycoke4j.io.LlavaConfig.load(model.resolve("config.json")).text().vocabSize();
    }

    /** {@code n} ids drawn uniformly from the vocabulary with a fixed seed: both engines get the same prompt. */
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
