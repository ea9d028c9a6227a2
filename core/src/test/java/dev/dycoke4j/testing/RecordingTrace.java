package dev.dycoke4j.testing;

import dev.dycoke4j.pipeline.Trace;

import java.util.HashMap;
import java.util.Map;

/**
 * A {@link Trace} that keeps every tensor a request traces, by name, for the tests of every module (core's test jar).
 * Each array is copied as it arrives, so a buffer the engine reuses later does not change what was recorded; a name
 * traced twice keeps its last tensor.
 */
public final class RecordingTrace implements Trace {
    private final Map<String, float[]> floats = new HashMap<>();
    private final Map<String, int[]> ids = new HashMap<>();

    @Override
    public void floats(String name, float[] data, long... shape) {
        floats.put(name, data.clone());
    }

    @Override
    public void ids(String name, int[] v) {
        ids.put(name, v.clone());
    }

    /** The float tensors recorded so far, by name (a live view). */
    public Map<String, float[]> floats() {
        return floats;
    }

    /** The id tensors recorded so far, by name (a live view). */
    public Map<String, int[]> ids() {
        return ids;
    }
}
