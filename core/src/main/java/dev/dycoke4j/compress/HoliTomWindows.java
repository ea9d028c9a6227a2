package dev.dycoke4j.compress;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * HoliTom's temporal segmentation (the official {@code select_static_windows}): the frames are cut into consecutive
 * windows so that as many tokens as possible can be dropped as static. A position is static in a window when its
 * cosine to the previous frame is above τ at every step of the window; such a position is kept once for the window,
 * so a window [s, e] with n static positions saves {@code n·(e - s)} tokens. A dynamic programme over the frames picks
 * the windows (at most {@code maxWindow} frames each) with the largest total; as in the official code, a longer
 * window replaces a shorter one only when it saves strictly more, and the shortest wins among equals.
 *
 * @param segments the windows as (first, last) frame, inclusive, in frame order
 * @param reduced  the tokens the windows save
 */
public record HoliTomWindows(List<int[]> segments, long reduced) {
    /**
     * @param still     {@code still[f][t]}: whether position t's cosine between frames f and f+1 is above τ ([F-1][T])
     * @param frames    F
     * @param maxWindow the longest window, in frames (at least 1)
     */
    public static HoliTomWindows select(boolean[][] still, int frames, int maxWindow) {
        long[] best = new long[frames];
        int[] first = new int[frames];
        for (int i = 0; i < frames; i++) {
            long max = i > 0 ? best[i - 1] : 0;
            int from = i;
            for (int size = 2; size <= Math.min(i + 1, maxWindow); size++) {
                int j = i - size;
                long v = (j >= 0 ? best[j] : 0) + saved(still, j + 1, i);
                if (v > max) {
                    max = v;
                    from = j + 1;
                }
            }
            best[i] = max;
            first[i] = from;
        }
        List<int[]> windows = new ArrayList<>();
        for (int i = frames - 1; i >= 0; i = first[i] - 1) windows.add(new int[]{first[i], i});
        Collections.reverse(windows);
        return new HoliTomWindows(List.copyOf(windows), frames == 0 ? 0 : best[frames - 1]);
    }

    /** Tokens window [s, e] saves: its static positions, each kept once instead of e - s + 1 times. */
    static long saved(boolean[][] still, int s, int e) {
        return (long) staticPositions(still, s, e).length * (e - s);
    }

    /** The positions static at every step from frame s to frame e (all of them when s = e), ascending. */
    static int[] staticPositions(boolean[][] still, int s, int e) {
        int T = still.length == 0 ? 0 : still[0].length;
        int n = 0;
        int[] out = new int[T];
        for (int t = 0; t < T; t++) {
            boolean all = true;
            for (int f = s; f < e && all; f++) all = still[f][t];
            if (all) out[n++] = t;
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
