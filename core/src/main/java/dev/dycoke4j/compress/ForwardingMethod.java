package dev.dycoke4j.compress;

import java.util.Map;

/**
 * A method that is another one ({@link #base}) with something changed: DP added ({@link WithDynamicPruning}), the
 * budget read in another sense ({@link AtBudget}), its hooks watched. Every part it does not override is the base's,
 * so a part added to {@link CompressionMethod} reaches every wrapper here, in one place. The key (name and options) and
 * {@link #resolve} stay {@link CompressionMethod}'s: a wrapper's options are its own, and resolving the base alone would
 * drop the wrapper.
 */
public interface ForwardingMethod extends CompressionMethod {
    /** The method this one changes. */
    CompressionMethod base();

    @Override
    default String name() {
        return base().name();
    }

    @Override
    default String label() {
        return base().label();
    }

    @Override
    default Map<String, String> options() {
        return base().options();
    }

    @Override
    default TokenBudget budget() {
        return base().budget();
    }

    @Override
    default boolean needsVisionAttention() {
        return base().needsVisionAttention();
    }

    @Override
    default boolean needsFrameSignals() {
        return base().needsFrameSignals();
    }

    @Override
    default Compressor preLlm() {
        return base().preLlm();
    }

    @Override
    default PrefillPruning prefill(RequestShape request) {
        return base().prefill(request);
    }

    @Override
    default boolean prunesAtPrefill() {
        return base().prunesAtPrefill();
    }

    @Override
    default boolean keepsSourcePositions() {
        return base().keepsSourcePositions();
    }

    @Override
    default boolean merges() {
        return base().merges();
    }

    @Override
    default boolean hasDecodeHook() {
        return base().hasDecodeHook();
    }

    @Override
    default DecodePruning decode(RequestShape request) {
        return base().decode(request);
    }
}
