package dev.dycoke4j.pipeline;

import dev.dycoke4j.llm.AttentionHook;
import dev.dycoke4j.llm.KvCache;

/**
 * A sequence's decode hook (a method's plug-in code) run so that its failure stays the sequence's own: what it throws
 * is kept for {@link Sequence} to report, and the decode step of the batch goes on, this sequence's row attending to
 * its whole cache (as a step without a hook does) until the step ends and the sequence is dropped. The other
 * sequences of the batch neither wait nor see anything of it.
 */
final class IsolatedHook implements AttentionHook {
    private final AttentionHook hook;
    /** The probe layer the hook gave first: the one used once it has failed. */
    private final int probe;
    private RuntimeException failure;

    private IsolatedHook(AttentionHook hook) {
        this.hook = hook;
        this.probe = hook.probeLayer();
    }

    /** {@code hook} isolated, or null when there is none. */
    static IsolatedHook around(AttentionHook hook) {
        return hook == null ? null : new IsolatedHook(hook);
    }

    /** What the hook threw, or null. */
    RuntimeException failure() {
        return failure;
    }

    @Override
    public int probeLayer() {
        if (failure != null) return probe;
        try {
            return hook.probeLayer();
        } catch (RuntimeException e) {
            failure = e;
            return probe;
        }
    }

    @Override
    public int[] select(float[] probs, int len) {
        if (failure != null) return null;
        try {
            return hook.select(probs, len);
        } catch (RuntimeException e) {
            failure = e;
            return null;
        }
    }

    @Override
    public int[] select(float[] probs, int len, KvCache cache) {
        if (failure != null) return null;
        try {
            return hook.select(probs, len, cache);
        } catch (RuntimeException e) {
            failure = e;
            return null;
        }
    }

    @Override
    public int[] activeAt(int layer, int[] selected) {
        if (failure != null) return null;
        try {
            return hook.activeAt(layer, selected);
        } catch (RuntimeException e) {
            failure = e;
            return null;
        }
    }

    @Override
    public void afterSelect(KvCache cache, int[] active) {
        if (failure != null) return;
        try {
            hook.afterSelect(cache, active);
        } catch (RuntimeException e) {
            failure = e;
        }
    }
}
