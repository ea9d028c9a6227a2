package dev.dycoke4j.peer.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Jlama 0.8.4 on a Qwen2 directory (see {@link JlamaLayout}), driven the way its own {@code AbstractModel.generate}
 * does, minus the tokenizer: the prompt through {@code batchForward} (its batched prefill, in chunks of up to
 * {@code jlama.max_batch_size} = 256 rows), the first token from the last row, then one {@code forward} per token,
 * each greedy {@code sample} (temperature 0) reading the logits of the whole vocabulary.
 */
final class JlamaText implements JlamaEngine {
    /**
     * Jlama's own defaults, its CLI's {@code --working-dtype F32 --working-qtype I8}. For a BF16 model its quantized
     * working type becomes BF16; its working memory, KV cache included, stays F32. This is its fastest setting: with
     * {@code --working-dtype BF16} (a BF16 KV cache) its decode is slower (BENCHMARKS.md has the figures).
     */
    static final DType WORKING = DType.F32, WORKING_Q = DType.I8;

    private final AbstractModel model;
    private final KvBufferCache kv;
    private final int vocab;

    JlamaText(Path dir, int threads, DType workingQ) {
        useThreads(threads);
        model = ModelSupport.loadModel(dir.toFile(), WORKING, workingQ);
        kv = new KvBufferCache(model);
        vocab = model.getConfig().vocabularySize;
    }

    /**
     * Jlama's thread pool is a process-wide singleton sized once ({@code PhysicalCoreExecutor}); it must get the same
     * count as ours, or the comparison is off.
     */
    static void useThreads(int threads) {
        try {
            PhysicalCoreExecutor.overrideThreadCount(threads);
        } catch (IllegalStateException started) {
            // already sized, by an earlier model in this process
        }
        int have = PhysicalCoreExecutor.instance.get().getCoreCount();
        if (have != threads)
            throw new IllegalStateException("Jlama's thread pool already runs " + have + " threads in this process, not " + threads);
    }

    @Override
    public Run generate(int[] prompt, int newTokens) {
        int[] out = new int[newTokens];
        try (KvBufferCache.KvBuffer buf = kv.getEphemeralKvBuffer(); AbstractTensor<?, ?> logits = model.makeDenseTensor(vocab)) {
            long t0 = System.nanoTime();
            out[0] = prefill(prompt, buf, logits);
            long t1 = System.nanoTime();
            for (int i = 1; i < newTokens; i++) {
                try (AbstractTensor<?, ?> h = model.forward(out[i - 1], prompt.length + i - 1, buf, Optional.empty())) {
                    out[i] = model.sample(h, 0f, 0f, logits);
                }
            }
            long t2 = System.nanoTime();
            return new Run(out, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        }
    }

    private int prefill(int[] prompt, KvBufferCache.KvBuffer buf, AbstractTensor<?, ?> logits) {
        try (AbstractTensor<?, ?> last = model.batchForward(prompt, 0, buf)) {
            return model.sample(last.slice(last.shape().first() - 1), 0f, 0f, logits);
        }
    }

    @Override
    public float[] nextLogits(int[] prompt) {
        try (KvBufferCache.KvBuffer buf = kv.getEphemeralKvBuffer(); AbstractTensor<?, ?> logits = model.makeDenseTensor(vocab)) {
            prefill(prompt, buf, logits);
            float[] r = new float[vocab];
            for (int i = 0; i < vocab; i++) r[i] = logits.get(0, i);
            return r;
        }
    }

    @Override
    public void close() {
        kv.close();
        model.close();
    }
}
