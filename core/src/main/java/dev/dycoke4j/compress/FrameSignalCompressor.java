package dev.dycoke4j.compress;

/**
 * A pre-LLM hook that needs, besides the pooled tokens, each frame's signals from SigLIP's attention-pooling head
 * ({@link FastVid.FrameSignals}); the engine calls {@link #compress(VisualTokens, FastVid.FrameSignals)} for the methods
 * whose {@link CompressionMethod#needsFrameSignals()} is true.
 */
public interface FrameSignalCompressor extends Compressor {
    VisualTokens compress(VisualTokens pooled, FastVid.FrameSignals signals);

    /** Without the frame signals there is nothing to run on. */
    @Override
    default VisualTokens compress(VisualTokens pooled) {
        throw new IllegalArgumentException("this method needs the frame signals of SigLIP's attention-pooling head, which were not given");
    }
}
