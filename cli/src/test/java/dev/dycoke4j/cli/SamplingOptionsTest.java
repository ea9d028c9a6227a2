package dev.dycoke4j.cli;

import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VisionOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The vision options come from {@code --frames} and {@code --vision-batch}, the generation options from the rest. */
class SamplingOptionsTest {
    @Command(name = "t")
    static final class Host {
        @Mixin
        SamplingOptions sampling;
    }

    static SamplingOptions parse(String... args) {
        Host h = new Host();
        new CommandLine(h).parseArgs(args);
        return h.sampling;
    }

    @Test
    void theFlagsMakeTheVisionOptions() {
        assertEquals(new VisionOptions(16, 4, false), parse("--frames", "16", "--vision-batch", "4").vision());
        assertEquals(new VisionOptions(32, VisionOptions.DEFAULT_BATCH, false), parse().vision(), "the defaults");
    }

    @Test
    void theGenerationOptionsKeepTheirFlags() {
        assertEquals(new GenerationOptions(7, 0.5f, 0.9f, 3, false),
                parse("--max-new-tokens", "7", "--temperature", "0.5", "--top-p", "0.9", "--seed", "3", "--vision-batch", "2").options());
    }

    @Test
    void aBadVisionFlagIsAUsageErrorFromEither() {
        SamplingOptions s = parse("--vision-batch", "0");
        assertEquals("--vision-batch must be at least 1, got 0", assertThrows(UsageException.class, s::vision).getMessage());
        assertEquals("--vision-batch must be at least 1, got 0", assertThrows(UsageException.class, s::options).getMessage());
        assertEquals("--frames must be at least 1, got 0",
                assertThrows(UsageException.class, parse("--frames", "0")::vision).getMessage());
    }
}
