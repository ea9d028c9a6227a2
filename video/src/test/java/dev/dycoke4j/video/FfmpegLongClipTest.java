package dev.dycoke4j.video;

import org.bytedeco.ffmpeg.global.avutil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A 10 s 640x360 H.264 clip sampled to 32 frames, three times in a row with one source (its speed is benchmarked, not tested). */
class FfmpegLongClipTest {
    @TempDir
    Path dir;

    @Test
    void samples32FramesOfA10SecondClipRepeatedly() throws Exception {
        Path clip = Clips.make(dir, new Clips.Spec("ten-seconds.mp4", "mp4", "libopenh264", 0, avutil.AV_PIX_FMT_YUV420P, 640, 360, 300, 30));
        FfmpegFrameSource source = new FfmpegFrameSource();
        for (int run = 0; run < 3; run++) {
            SampledVideo v = source.readUniform(clip, 32);
            assertEquals(300, v.totalFrames());
            assertArrayEquals(UniformSampler.indices(300, 32), v.indices());
            assertEquals(32, v.frames().size());
            assertEquals(640, v.frames().getFirst().width());
            assertEquals(360, v.frames().getFirst().height());
        }
    }
}
