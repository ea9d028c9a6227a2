package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A method that has no decode hook of its own, with DyCoke's dynamic pruning while decoding added ({@code dp=on}):
 * DP is orthogonal to what a method does before the LLM, so any method can run with it; after one that drops visual
 * rows inside the LLM at prefill (FastV), DP selects among the rows each layer holds ({@link DynamicPruning}).
 * Everything but the decode hook is the base method's.
 */
public record WithDynamicPruning(CompressionMethod base, DynamicPruningOptions dp) implements ForwardingMethod {
    public WithDynamicPruning {
        java.util.Objects.requireNonNull(base, "base");
        java.util.Objects.requireNonNull(dp, "dp");
        if (base instanceof WithDynamicPruning || base.hasDecodeHook())
            throw new InvalidOptionException("dp", base.name() + " already prunes while decoding");
    }

    @Override
    public String label() {
        return base.label() + "+dp";
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>(base.options());
        dp.write(m);
        return m;
    }

    @Override
    public DecodePruning decode(RequestShape request) {
        return dp.hook(request);
    }

    @Override
    public boolean hasDecodeHook() {
        return dp.enabled();
    }
}
