package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.DyCokeMethod;
import dev.dycoke4j.compress.FastVMethod;
import dev.dycoke4j.compress.MethodSpec;
import dev.dycoke4j.compress.NoneMethod;
import dev.dycoke4j.compress.TokenBudget;
import dev.dycoke4j.compress.UniformMethod;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The compression flags: one per option key of every registered method, mapped to each method it applies to. */
class CompressOptionsTest {
    @Command(name = "test")
    static final class WithCompress {
        @Mixin
        CompressOptions compress;
    }

    static CompressOptions parse(String... args) {
        WithCompress c = new WithCompress();
        CommandLine cl = new CommandLine(c);
        cl.parseArgs(args);
        return c.compress;
    }

    @Test
    void everyOptionKeyOfEveryMethodHasItsFlag() {
        CommandLine cl = new CommandLine(new WithCompress());
        for (MethodSpec spec : CompressionMethods.all())
            for (String key : spec.keys()) assertNotNull(cl.getCommandSpec().findOption(CompressOptions.flag(key)), spec.name() + ": " + key);
    }

    @Test
    void theFlagsDefaultsAreTheMethodsDefaults() {
        CompressOptions o = parse();
        for (MethodSpec spec : CompressionMethods.all()) assertEquals(spec.defaults(), o.method(spec.name(), "--methods"), spec.name());
        assertEquals(new NoneMethod(), o.options());
    }

    @Test
    void eachMethodGetsTheFlagsThatApplyToIt() {
        CompressOptions o = parse("--compress", "uniform", "--ratio", "0.5", "--dp-l", "2", "--fastv-k", "1", "--dp-p", "0.5");
        assertEquals(new UniformMethod(TokenBudget.ratio(0.5)), o.options());
        assertEquals(new FastVMethod(1, TokenBudget.ratio(0.5)), o.method("fastv", "--methods"));
        assertEquals(new FastVMethod(1, TokenBudget.ratio(0.25)), o.method("fastv", "--methods", 0.25));
        assertEquals(new NoneMethod(), o.method("none", "--methods"));
        assertEquals(0.5, ((DyCokeMethod) o.method("dycoke", "--methods")).dp().p());
        // a bad value is refused whichever method runs, not only by the method that takes it
        CompressOptions bad = parse("--compress", "uniform", "--dp-p", "1.5");
        for (String m : CompressionMethods.names()) {
            var e = assertThrows(UsageException.class, () -> bad.method(m, "--methods"), m);
            assertEquals("--dp-p must be in [0, 1), got 1.5", e.getMessage(), m);
        }
        assertEquals(DyCokeMethod.defaults().withDpLayer(2).withRatio(0.5), parse("--compress", "dycoke", "--ratio", "0.5", "--dp-l", "2").options());
    }

    @Test
    void anUnknownMethodNamesTheFlag() {
        var e = assertThrows(UsageException.class, () -> parse("--compress", "zip").options());
        assertEquals("--compress takes none, dycoke, fastv, prumerge, visionzip, random, uniform, frames, vidcom2, evs, holitom, flashvid, fastvid (or one of them but dycoke with +dp); got 'zip'", e.getMessage());
        e = assertThrows(UsageException.class, () -> parse().method("zap", "--methods"));
        assertEquals("--methods takes none, dycoke, fastv, prumerge, visionzip, random, uniform, frames, vidcom2, evs, holitom, flashvid, fastvid (or one of them but dycoke with +dp); got 'zap'", e.getMessage());
    }
}
