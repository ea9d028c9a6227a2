package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.video.VideoFileSource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One method's run in {@code dycoke bench}: what it holds while its peak is measured. */
class BenchRunTest {
    @Test
    void aRunDoesNotHoldAnEarlierMethodsPrefixButKeepsTheSharedFeatures() {
        try (VideoQa qa = VideoQa.load(Oracle.model())) {
            var video = new VideoFileSource(Oracle.root().resolve("golden/clip.mkv"));
            VisionOptions vision = VisionOptions.of(4);
            CompressionMethod none = CompressionMethods.none(), dycoke = CompressionMethods.parse("dycoke", Map.of("dp_l", "2"));
            GenerationOptions opts = new GenerationOptions(3, 0f, 1f, 0, true);
            qa.open(video, vision, none); // the bench's uncached encode: the features every run reads
            BenchCommand.Run first = BenchCommand.run(qa, video, vision, none, opts);
            assertTrue(first.answer().stats().visionCached());
            assertTrue(first.followUp().stats().prefixCachedTokens() > 0, "the follow-up reads its run's own prefix");
            assertEquals(1, qa.prefixCache().memory().size(), "none's prefix");
            BenchCommand.Run second = BenchCommand.run(qa, video, vision, dycoke, opts);
            assertTrue(second.answer().stats().visionCached(), "the features stay cached for every method");
            assertEquals(1, qa.visionCache().memory().size());
            assertEquals(1, qa.prefixCache().memory().size(), "DyCoke's prefix alone: none's, which no DyCoke run can use, is gone");
            assertTrue(second.followUp().stats().prefixCachedTokens() > 0, "the follow-up reads DyCoke's prefix");
        }
    }
}
