package dev.dycoke4j.pipeline;

/** The generated text, its token ids (the stop token included, as generated) and what it cost. */
public record Answer(String text, int[] tokenIds, Stats stats) {
}
