package dev.dycoke4j.pipeline;

/** Receives named intermediate tensors of a request, for {@code dycoke trace} and debugging. */
public interface Trace {
    void floats(String name, float[] data, long... shape);

    void ids(String name, int[] ids);
}
