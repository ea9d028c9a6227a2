package dev.dycoke4j.server;

import dev.dycoke4j.vision.SiglipPoolingHead;

/**
 * Where the server gets SigLIP's attention-pooling head for the methods that need each frame's signals (FastVID):
 * LLaVA-OneVision checkpoints do not contain it, so the front end that starts the server says how to load it (by Hub
 * id, from the SigLIP checkpoint the vision tower came from). It is asked once, on the first request that needs it.
 */
@FunctionalInterface
public interface PoolingHeadSource {
    /**
     * The head, for {@code method}.
     *
     * @throws RuntimeException with a one-line message naming the method and the head when it is missing
     */
    SiglipPoolingHead load(String method);

    /** No head: a request for a method that needs one is refused. */
    PoolingHeadSource NONE = method -> {
        throw new IllegalStateException(method + " needs SigLIP's attention-pooling head, which LLaVA-OneVision checkpoints do not contain, and this server has none");
    };
}
