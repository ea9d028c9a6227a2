package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.DyCokeMethod;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VideoSession;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.video.VideoFileSource;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.video.VideoReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's Java API example, on the oracle checkpoint (3 layers, so DP at L=2 instead of the paper's 3). */
class ApiExampleTest {
    @Test
    void readmeExampleRuns() {
        Path oracle = Oracle.root();
        StringBuilder streamed = new StringBuilder();
        try (VideoQa qa = VideoQa.load(oracle.resolve("tiny-llava-ov"))) {
            CompressionMethod dycoke = DyCokeMethod.defaults().withDpLayer(2);
            Answer a = qa.ask(n -> VideoReader.readUniform(oracle.resolve("golden/clip.mkv"), n).frames(), VisionOptions.of(8),
                    "What happens in this video?", GenerationOptions.greedy(12), dycoke, streamed::append);
            assertEquals(streamed.toString(), a.text());
            assertEquals(12, a.tokenIds().length);
            assertEquals(68, a.stats().visualKept());
            assertTrue(a.stats().line().startsWith("dycoke | frames 8 | visual tokens 128 -> 68"), a.stats().line());
        }
    }

    @Test
    void readmeSessionExampleRuns() {
        Path oracle = Oracle.root();
        try (VideoQa qa = VideoQa.load(oracle.resolve("tiny-llava-ov"))) {
            VideoSession s = qa.open(new VideoFileSource(oracle.resolve("golden/clip.mkv")), new VisionOptions(8, 8),
                    DyCokeMethod.defaults().withDpLayer(2));
            Answer first = s.ask("What happens in this video?", GenerationOptions.greedy(12), null);
            Answer next = s.ask("What colour is the ball?", GenerationOptions.greedy(12), null);
            assertEquals(0, first.stats().prefixCachedTokens());
            assertTrue(next.stats().visionCached());
            assertTrue(next.stats().prefixCachedTokens() > 68, "the template and the 68 + 1 video rows");
            assertTrue(next.stats().line().contains("| vision cached | prefix "), next.stats().line());
        }
    }
}
