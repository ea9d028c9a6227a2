package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.RgbFrame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which frames of a sample are already encoded: a frame's vision features are a function of its RGB alone, so a
 * sampled frame whose size and bytes equal those of an encoded frame can take that frame's features. The same object
 * is found first (a video source hands its kept frames over as they decode, then returns them); other frames are
 * compared byte for byte, found through a hash of their bytes.
 */
final class SameFrames {
    private SameFrames() {
    }

    /** For each frame of {@code sampled}, the index in {@code encoded} of a frame with the same RGB, or -1. */
    static int[] match(List<RgbFrame> encoded, List<RgbFrame> sampled) {
        Map<RgbFrame, Integer> byObject = new IdentityHashMap<>();
        for (int i = encoded.size() - 1; i >= 0; i--) byObject.put(encoded.get(i), i);
        Map<Integer, List<Integer>> byHash = null;
        int[] from = new int[sampled.size()];
        for (int j = 0; j < from.length; j++) {
            RgbFrame f = sampled.get(j);
            Integer same = byObject.get(f);
            if (same != null) {
                from[j] = same;
                continue;
            }
            if (byHash == null) {
                byHash = new HashMap<>();
                for (int i = 0; i < encoded.size(); i++) byHash.computeIfAbsent(hash(encoded.get(i)), h -> new ArrayList<>()).add(i);
            }
            from[j] = -1;
            for (int i : byHash.getOrDefault(hash(f), List.of()))
                if (equal(encoded.get(i), f)) {
                    from[j] = i;
                    break;
                }
        }
        return from;
    }

    private static int hash(RgbFrame f) {
        return 31 * (31 * f.width() + f.height()) + Arrays.hashCode(f.rgb());
    }

    private static boolean equal(RgbFrame a, RgbFrame b) {
        return a.width() == b.width() && a.height() == b.height() && Arrays.equals(a.rgb(), b.rgb());
    }
}
