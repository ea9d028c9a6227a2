package dev.dycoke4j.cli;

import dev.dycoke4j.pipeline.Stats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One method at one frame count in {@code dycoke bench}: its runs, and their medians. The video side (vision tower,
 * projector and pooling) is measured once per frame count and repeat, uncached, and shared by every method, since it
 * doesn't depend on the method; each method's own runs read the features from the cache. So {@link #total()} is the
 * whole answer with the vision paid, and {@link #totalCached()} the same with vision features cached.
 */
final class BenchRow {
    final String method;
    final int frames;
    final List<Stats> answers = new ArrayList<>(), followUps = new ArrayList<>();
    /** Per run: the uncached vision and projector+pool seconds of the same frame count and repeat. */
    final List<double[]> video = new ArrayList<>();

    BenchRow(String method, int frames) {
        this.method = method;
        this.frames = frames;
    }

    void add(Stats answer, Stats followUp, double vision, double projectPool) {
        answers.add(answer);
        followUps.add(followUp);
        video.add(new double[]{vision, projectPool});
    }

    double decodeVideo() {
        return median(answers, s -> s.seconds().decodeVideo());
    }

    double preprocess() {
        return median(answers, s -> s.seconds().preprocess());
    }

    double vision() {
        return Median.of(video.stream().mapToDouble(v -> v[0]).toArray());
    }

    double projectPool() {
        return Median.of(video.stream().mapToDouble(v -> v[1]).toArray());
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

    /** Time to the first token with vision paid: the cached answer's TTFT plus that run's vision and projector+pool. */
    double ttft() {
        double[] v = new double[answers.size()];
        for (int i = 0; i < v.length; i++) v[i] = answers.get(i).ttftSeconds() + video.get(i)[0] + video.get(i)[1];
        return Median.of(v);
    }

    /** Time to the first token of a second question about the same video (features and prefix reused). */
    double followUpTtft() {
        return median(followUps, Stats::ttftSeconds);
    }

    double tokensPerSecond() {
        return median(answers, Stats::tokensPerSecond);
    }

    /** The whole answer, vision paid. */
    double total() {
        double[] v = new double[answers.size()];
        for (int i = 0; i < v.length; i++) v[i] = answers.get(i).seconds().total() + video.get(i)[0] + video.get(i)[1];
        return Median.of(v);
    }

    /** The whole answer with the vision features cached (the projector and pooling are cached with them). */
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

    static double median(List<Stats> stats, ToDoubleFunction<Stats> f) {
        return Median.of(stats.stream().mapToDouble(f).toArray());
    }
}
