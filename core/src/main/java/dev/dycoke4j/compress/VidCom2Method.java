package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VidCom2 ({@link VidCom2}) at base scale {@code ratio}. Options: {@code ratio} (the paper's 0.25 by default). The
 * ratio is the method's base scale, not an exact count: its per-frame rounding can keep a few tokens more or fewer.
 */
public record VidCom2Method(double ratio) implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("vidcom2", List.of("ratio"), VidCom2Method::parse);

    public VidCom2Method {
        TokenBudget.checkRatio(ratio);
    }

    /** At the paper's 25 %. */
    public static VidCom2Method defaults() {
        return new VidCom2Method(VidCom2.PAPER_RATIO);
    }

    static VidCom2Method parse(Map<String, String> options) {
        return new VidCom2Method(SPEC.reader(options).decimal("ratio", VidCom2.PAPER_RATIO));
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        budget().write(m);
        return m;
    }

    @Override
    public TokenBudget budget() {
        return TokenBudget.ratio(ratio);
    }

    @Override
    public Compressor preLlm() {
        return new VidCom2(ratio);
    }
}
