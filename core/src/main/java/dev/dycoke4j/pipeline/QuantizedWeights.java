package dev.dycoke4j.pipeline;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.Q8Cache;
import dev.dycoke4j.kernel.Quantize;
import dev.dycoke4j.tensor.Q8Matrix;
import dev.dycoke4j.tensor.Tensor;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The int8 weights of one load: each matrix asked for comes from the on-disk cache when it holds it, or is quantized
 * now (after which the stored matrix's mapped pages are released); {@link #finish} writes the cache when something had
 * to be quantized and caching is on.
 */
final class QuantizedWeights implements AutoCloseable {
    private final LoadOptions opts;
    private final String key;
    private final Path file;
    private final Q8Cache.Loaded cached;
    private final Map<String, Q8Matrix> used = new LinkedHashMap<>();
    private boolean fresh;

    QuantizedWeights(Checkpoint ck, LoadOptions opts) {
        this.opts = opts;
        if (opts.cacheWeights()) {
            key = Q8Cache.key(ck);
            file = Q8Cache.location(ck.dir(), opts.cacheDir(), key);
            cached = Q8Cache.read(file, key, opts.notes());
        } else {
            key = null;
            file = null;
            cached = null;
        }
    }

    /** The int8 form of {@code w}. */
    Q8Matrix get(Tensor w) {
        Q8Matrix m = used.get(w.name());
        if (m != null) return m;
        Q8Matrix c = cached != null ? cached.matrices().get(w.name()) : null;
        if (c != null && c.rows() == w.dim(0) && c.cols() == w.dim(1)) {
            m = c;
        } else {
            m = Quantize.q8(w);
            fresh = true;
            // the products read the int8 form only: the stored weights' pages need not stay resident (a tied LM
            // head's embedding lookups fault back in the few rows they read)
            w.releasePages();
        }
        used.put(w.name(), m);
        return m;
    }

    /** Whether the weights came from the cache file (nothing was quantized at this load). */
    boolean fromCache() {
        return cached != null && !fresh;
    }

    Path cacheFile() {
        return file;
    }

    /** Writes the cache if caching is on and it lacked something; a failure to write is a note, not an error. */
    void finish() {
        if (!opts.cacheWeights() || !fresh) return;
        try {
            Q8Cache.write(file, key, used.values());
            opts.notes().accept("dycoke: wrote the q8 weights cache " + file);
        } catch (UncheckedIOException e) {
            opts.notes().accept("dycoke: could not write the q8 weights cache: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (cached != null) cached.close();
    }

    @Override
    public String toString() {
        return "q8 " + Arrays.toString(used.keySet().toArray());
    }
}
