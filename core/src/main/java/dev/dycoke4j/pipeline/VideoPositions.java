package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.llm.Positions;

/**
 * The rotary positions of a prompt that holds a compressed video, for a method that keeps its tokens' original
 * positions ({@link CompressionMethod#keepsSourcePositions}, FastVID): every row takes the position it has in the same
 * prompt with the whole video in it. So the text before the video keeps its positions, the kept token of pooled index
 * {@code i} sits at {@code start + i}, and the newline and the text after the video continue from
 * {@code start + pooled}, as FastVID's official code gives them (the position ids of its kept rows); generated tokens
 * follow the last of them.
 */
final class VideoPositions {
    private VideoPositions() {
    }

    /**
     * The positions of {@code prompt}, whose video rows ({@code video}'s kept tokens, then the newline) start at row
     * {@code start}; null when the method places its tokens at consecutive positions (the decoder's default).
     */
    static Positions of(int[] prompt, int start, CompressedVideo video) {
        CompressionMethod comp = video.compression();
        if (!comp.keepsSourcePositions()) return null;
        int[] src = video.kept().sourceIndex();
        int kept = src.length, gap = video.all().count() - kept;
        int[] p = new int[prompt.length];
        for (int r = 0; r < prompt.length; r++) p[r] = r < start ? r : r < start + kept ? start + src[r - start] : r + gap;
        return Positions.flat(p);
    }
}
