package dev.dycoke4j.compress;

import java.util.List;
import java.util.Map;

/** No compression: every visual token goes to the LLM and is attended at every layer. Takes no options. */
public record NoneMethod() implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("none", List.of(), NoneMethod::parse);

    static NoneMethod parse(Map<String, String> options) {
        SPEC.reader(options);
        return new NoneMethod();
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Map<String, String> options() {
        return Map.of();
    }

    @Override
    public TokenBudget budget() {
        return TokenBudget.ratio(1);
    }

    @Override
    public Compressor preLlm() {
        return Compressor.NONE;
    }
}
