package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A method that has no decode hook of its own, with DyCoke's dynamic pruning while decoding added ({@code dp=on}):
 * DP is orthogonal to what a method does before the LLM, so any pre-LLM method can run with it. Everything but the
 * decode hook is the base method's.
 */
public record WithDynamicPruning(CompressionMethod base, DynamicPruningOptions dp) implements ForwardingMethod {
    public WithDynamicPruning {
        java.util.Objects.requireNonNull(base, "base");
        java.util.Objects.requireNonNull(dp, "dp");
        if (base instanceof WithDynamicPruning || base.hasDecodeHook())
            throw new InvalidOptionException("dp", base.name() + " already prunes while decoding");
        if (base.prunesAtPrefill())
            throw new InvalidOptionException("dp", "cannot be combined with " + base.name()
                    + ", which drops visual tokens from the KV cache inside the LLM at prefill");
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
