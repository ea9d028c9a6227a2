package dev.dycoke4j.cli;

import dev.dycoke4j.peer.Median;

import dev.dycoke4j.pipeline.Stats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One method at one frame count in {@code dycoke bench}: its runs, and their medians. The video side (decoding,
 * preprocessing, vision tower, projector and pooling, overlapped) is measured once per frame count and repeat,
 * uncached, and shared by every method, since it doesn't depend on the method; each method's own runs read the
 * features from the cache, keyed by the clip's content, so they only hash the file. So {@link #total()} is the whole
 * answer with the video decoded and encoded, and {@link #totalCached()} the same with the vision features cached.
 */
final class BenchRow {
    final String method;
    final int frames;
    final List<Stats> answers = new ArrayList<>(), followUps = new ArrayList<>();
    /** Per run: the uncached video side of the same frame count and repeat. */
    final List<Stats.Seconds> video = new ArrayList<>();
    /** Per run: seconds of young and old-generation collections in the uncached encode and in the answers. */
    final List<double[]> encodeCollections = new ArrayList<>(), answerCollections = new ArrayList<>();

    BenchRow(String method, int frames) {
        this.method = method;
        this.frames = frames;
    }

    /** One run: its answer, follow-up, uncached video side, and the collections' seconds (young, old) in the encode and in the answers. */
    void add(Stats answer, Stats followUp, Stats.Seconds uncachedVideo, double[] encodeGc, double[] answerGc) {
        answers.add(answer);
        followUps.add(followUp);
        video.add(uncachedVideo);
        encodeCollections.add(encodeGc.clone());
        answerCollections.add(answerGc.clone());
    }

    /** Median seconds of collections of one kind (0: young, 1: old) in the encode or in the answers. */
    double collections(boolean encode, int kind) {
        return Median.of((encode ? encodeCollections : answerCollections).stream().mapToDouble(c -> c[kind]).toArray());
    }

    /** The decoding thread's seconds in the video decoder, uncached (overlapped with preprocessing and vision). */
    double decodeVideo() {
        return Median.of(video.stream().mapToDouble(Stats.Seconds::decodeVideo).toArray());
    }

    /** The preprocessing thread's seconds, uncached (overlapped with decoding and vision). */
    double preprocess() {
        return Median.of(video.stream().mapToDouble(Stats.Seconds::preprocess).toArray());
    }

    /** Seconds of decoding and preprocessing hidden behind the vision tower. */
    double overlapped() {
        return Median.of(video.stream().mapToDouble(Stats.Seconds::overlapped).toArray());
    }

    double vision() {
        return Median.of(video.stream().mapToDouble(Stats.Seconds::vision).toArray());
    }

    double projectPool() {
        return Median.of(video.stream().mapToDouble(Stats.Seconds::projectPool).toArray());
    }

    double compress() {
        return median(answers, s -> s.seconds().compress());
    }

    double prefill() {
        return median(answers, s -> s.seconds().prefill());
    }

    double generate() {
        return median(answers, s -> s.seconds().generate());
    }

    /**
     * Time to the first token with the video paid: the cached answer's TTFT with its hashing and lookup replaced by
     * that run's uncached video side up to pooling (wall time: decoding, preprocessing, vision, projector and pooling).
     */
    double ttft() {
        double[] v = new double[answers.size()];
        for (int i = 0; i < v.length; i++) v[i] = answers.get(i).ttftSeconds() + videoPaid(i);
        return Median.of(v);
    }

    /** What run {@code i} adds when the video is not cached: its uncached video side in place of the cached one. */
    private double videoPaid(int i) {
        Stats.Seconds a = answers.get(i).seconds(), v = video.get(i);
        return v.total() - v.compress() - (a.decodeVideo() + a.preprocess());
    }

    /** Time to the first token of a second question about the same video (features and prefix reused). */
    double followUpTtft() {
        return median(followUps, Stats::ttftSeconds);
    }

    double tokensPerSecond() {
        return median(answers, Stats::tokensPerSecond);
    }

    /** The whole answer, video decoded and encoded (wall time). */
    double total() {
        double[] v = new double[answers.size()];
        for (int i = 0; i < v.length; i++) v[i] = answers.get(i).seconds().total() + videoPaid(i);
        return Median.of(v);
    }

    /** The whole answer with the vision features cached (the projector and pooling are cached with them; the file is hashed). */
    double totalCached() {
        return median(answers, s -> s.seconds().total());
    }

    Stats last() {
        return answers.getLast();
    }

    long kvBytes() {
        return last().kvCacheBytes() + last().kvPrunedBytes();
    }

    /** The largest peak resident memory over the runs (each run resets the peak first, where Linux allows it). */
    long peakRss() {
        return answers.stream().mapToLong(Stats::peakRssBytes).max().orElse(-1);
    }

    /** The largest peak against the resident weights, this run's KV bytes and its largest activation buffers. */
    MemoryBreakdown memory(long residentWeights, dev.dycoke4j.io.LlavaConfig config) {
        return new MemoryBreakdown(peakRss(), residentWeights, kvBytes(), MemoryBreakdown.activationBytes(config, last().promptTokens(), frames));
    }

    /** As above, for a model whose vision tower's buffers are not counted: the language model's prefill buffers alone. */
    MemoryBreakdown memory(long residentWeights, dev.dycoke4j.io.LlavaConfig.TextConfig text) {
        return new MemoryBreakdown(peakRss(), residentWeights, kvBytes(), MemoryBreakdown.prefillBytes(text, last().promptTokens()));
    }

    static double median(List<Stats> stats, ToDoubleFunction<Stats> f) {
        return Median.of(stats.stream().mapToDouble(f).toArray());
    }
}
