package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoding thread: frames in order, the source's result, its failures as they are, and closing at any point. */
@Timeout(60)
class StreamedFramesTest {
    static final List<RgbFrame> FRAMES = FollowUpTest.clip(5, 9);

    @Test
    void framesComeInOrderThenTheResult() {
        try (StreamedFrames s = new StreamedFrames(new FakeVideo("k", FRAMES), 5, 2)) {
            assertEquals(5, s.expected());
            assertEquals(FRAMES.subList(0, 2), s.take(2));
            assertEquals(FRAMES.subList(2, 5), s.take(3));
            assertSame(FRAMES.get(4), s.result().get(4));
            assertTrue(s.handedOver(s.result()));
            assertTrue(s.decodeSeconds() >= 0);
        }
    }

    @Test
    void aSourceThatEndsEarlyChangesTheSample() {
        try (StreamedFrames s = new StreamedFrames(new FakeVideo("k", FRAMES).streaming(7, FRAMES), 5, 2)) {
            assertEquals(7, s.expected());
            s.take(4);
            assertThrows(StreamedFrames.SamplingChanged.class, () -> s.take(3));
            assertEquals(FRAMES, s.result());
            assertFalse(s.handedOver(s.result()));
        }
    }

    @Test
    void aFailureIsRethrownWhereverTheCallerWaits() {
        IllegalStateException boom = new IllegalStateException("clip.mp4: cannot be read");
        try (StreamedFrames s = new StreamedFrames(new FakeVideo("k", FRAMES).streaming(5, List.of()).failing(boom), 5, 2)) {
            assertEquals(5, s.expected());
            assertSame(boom, assertThrows(IllegalStateException.class, () -> s.take(1)));
        }
        VideoSource noPrediction = new FakeVideo("k", FRAMES) {
            @Override
            public List<RgbFrame> decode(int n, FrameSink sink) {
                throw boom;
            }
        };
        try (StreamedFrames s = new StreamedFrames(noPrediction, 5, 2)) {
            assertSame(boom, assertThrows(IllegalStateException.class, s::expected));
        }
    }

    @Test
    void closingWhileTheSourceWaitsForRoomStopsIt() throws Exception {
        AtomicReference<Thread> decoding = new AtomicReference<>();
        AtomicReference<Throwable> ended = new AtomicReference<>();
        VideoSource endless = new FakeVideo("k", FRAMES) {
            @Override
            public List<RgbFrame> decode(int n, FrameSink sink) {
                decoding.set(Thread.currentThread());
                sink.expect(1000);
                try {
                    for (int i = 0; ; i++) sink.accept(FRAMES.get(i % FRAMES.size()));
                } catch (RuntimeException e) {
                    ended.set(e);
                    throw e;
                }
            }
        };
        try (StreamedFrames s = new StreamedFrames(endless, 1000, 1)) {
            assertEquals(1000, s.expected());
            s.take(3);
        }
        assertFalse(decoding.get().isAlive(), "the decoding thread ended with close");
        assertInstanceOf(RuntimeException.class, ended.get());
    }
}
