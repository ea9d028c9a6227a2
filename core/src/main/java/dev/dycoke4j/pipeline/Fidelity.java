package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.AtBudget;
import dev.dycoke4j.compress.BudgetKind;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.TokenBudget;
import dev.dycoke4j.vision.RgbFrame;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far a compression method moves the model's next-token distributions from the uncompressed run, by teacher
 * forcing. The video is encoded once. {@code none} generates {@code steps} greedy tokens (stop tokens ignored); each
 * method then runs on the same features and question with none's tokens fed back, so that every step compares the
 * two models in the same context:
 * <ul>
 *   <li><b>agreement</b>: the fraction of steps where the method's greedy token is none's;</li>
 *   <li><b>KL</b>: KL(none ‖ method) of the next-token distributions (softmax of the logits, in nats), mean and max
 *   over the steps.</li>
 * </ul>
 * Greedy agreement under teacher forcing does not compound: a free-running generation diverges for good at its first
 * disagreement, which hides how close the later steps are.
 *
 * <p>Every run goes through the public stages: {@link CompressStage} on the features encoded once, then a
 * {@link Sequence} fed the tokens ({@link Sequence#force}). {@link #measure(VideoQa, CompressionMethod)} runs a second load of the same checkpoint (int8 weights, say)
 * against the first's reference, on the same features: only the language model differs between such loads.
 */
public final class Fidelity {
    /**
     * One method's figures; {@code visualAttended} is the mean over decode steps at the layers that prune, and
     * {@code stats} the teacher-forced run's (seconds per stage, FLOPs, KV bytes, peak memory).
     */
    public record Result(String method, double ratio, int visualPooled, int visualKept, double visualAttended, int steps,
                         double agreement, double meanKl, double maxKl, Stats stats) {
    }

    private final VideoQa qa;
    private final EncodedVideo video;
    private final String question;
    private final int steps;
    private final int[] reference;
    private final double[][] referenceLogProbs;

    private Fidelity(VideoQa qa, EncodedVideo video, String question, int steps) {
        this.qa = qa;
        this.video = video;
        this.question = question;
        this.steps = steps;
        this.reference = new int[steps];
        this.referenceLogProbs = new double[steps][];
        run(qa, CompressionMethods.none(), null, (s, tok, logProbs) -> {
            reference[s] = tok;
            referenceLogProbs[s] = logProbs;
        });
    }

    /**
     * Encodes {@code frames} once, all of them whatever {@code vo.frames()} says, in {@code vo}'s vision batch and with
     * the vision attention the saliency-based methods need, and generates the reference: {@code steps} greedy tokens
     * of {@code none}.
     */
    public static Fidelity of(VideoQa qa, List<RgbFrame> frames, VisionOptions vo, String question, int steps) {
        return of(qa, new VideoSource.Timed(frames, VisionStage.DEFAULT_SECONDS_PER_STEP), vo, question, steps);
    }

    /**
     * As {@link #of(VideoQa, List, VisionOptions, String, int)}, from frames with their timing
     * ({@link VisionStage#sample}), which a family that places frames in time (Qwen2.5-VL) uses.
     */
    public static Fidelity of(VideoQa qa, VideoSource.Timed sampled, VisionOptions vo, String question, int steps) {
        List<RgbFrame> frames = sampled.frames();
        if (qa.videoModel() instanceof LlavaOneVision)
            return ofPixels(qa, qa.preprocessor().pixels(frames), vo.withFrames(frames.size()), question, steps);
        if (steps < 1) throw new IllegalArgumentException("need at least one step, got " + steps);
        VisionOptions o = vo.withFrames(frames.size()).withSaliency(true);
        return of(qa, qa.visionStage().encodeUncached(frames, sampled.secondsPerStep(), 0, o, null), question, steps);
    }

    /**
     * As {@link #of(VideoQa, List, VisionOptions, String, int)}, from preprocessed pixel values
     * {@code [vo.frames(), 3, H, W]}, H and W the vision tower's image size.
     *
     * @throws IllegalArgumentException when {@code pixels} do not hold exactly that many values
     */
    public static Fidelity ofPixels(VideoQa qa, float[] pixels, VisionOptions vo, String question, int steps) {
        if (steps < 1) throw new IllegalArgumentException("need at least one step, got " + steps);
        return of(qa, qa.visionStage().encode(pixels, vo.withSaliency(true), null), question, steps);
    }

    /**
     * On a video {@code qa}'s {@link VisionStage} encoded (with the saliency, for the methods that rank tokens by it):
     * generates the reference, {@code steps} greedy tokens of {@code none}.
     */
    public static Fidelity of(VideoQa qa, EncodedVideo video, String question, int steps) {
        if (steps < 1) throw new IllegalArgumentException("need at least one step, got " + steps);
        return new Fidelity(qa, video, question, steps);
    }

    /** none's greedy tokens, fed back to every method. */
    public int[] reference() {
        return reference.clone();
    }

    /** Runs {@code comp} with the reference tokens fed back and compares it with none at every step. */
    public Result measure(CompressionMethod comp) {
        return measure(qa, comp);
    }

    /**
     * As {@link #measure(CompressionMethod)}, on {@code other}'s language model: another load of the same checkpoint
     * (for instance with int8 weights), whose vision tower and projector are the reference's, so that the video is not
     * encoded again.
     */
    public Result measure(VideoQa other, CompressionMethod comp) {
        Path dir = qa.videoModel().dir(), otherDir = other.videoModel().dir();
        if (!otherDir.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize()))
            throw new IllegalArgumentException(otherDir + " is not the reference's checkpoint " + dir);
        int[] agree = new int[1];
        double[] kl = new double[2];
        Stats stats = run(other, comp, reference, (s, tok, logProbs) -> {
            if (argmax(logProbs) == reference[s]) agree[0]++;
            double d = kl(referenceLogProbs[s], logProbs);
            kl[0] += d;
            kl[1] = Math.max(kl[1], d);
        });
        return new Result(comp.label(), comp.budget() instanceof TokenBudget.Ratio r ? r.ratio() : Double.NaN, stats.visualTokens(), stats.visualKept(), stats.visualAttended(), steps,
                (double) agree[0] / steps, kl[0] / steps, kl[1], stats);
    }

    /**
     * {@code comp} as it runs on this video and model: itself, or for a budget set in another sense than tokens the
     * method at the ratio that meets it ({@link CompressionMethod#resolve}). Methods that resolve to the same
     * {@link CompressionMethod#key} measure the same.
     *
     * @throws dev.dycoke4j.compress.InvalidOptionException when the budget is out of the method's reach on this video
     */
    public CompressionMethod resolve(CompressionMethod comp) {
        return comp.resolve(video.tokens(), video.features().signals(), MethodHooks.cost(qa.videoModel()));
    }

    /** The cost of {@code resolved} in {@code kind}'s sense on this video, relative to none's. */
    public double reached(BudgetKind kind, CompressionMethod resolved) {
        return kind.relative(resolved, video.tokens(), video.features().signals(), MethodHooks.cost(qa.videoModel()));
    }

    /**
     * The budgets of {@code kind} that {@code method} (a method taking a ratio, at any of its settings) reaches on this
     * video, relative to none.
     *
     * @throws dev.dycoke4j.compress.InvalidOptionException when no ratio of the method runs on this video
     */
    public AtBudget.Reach reach(CompressionMethod method, BudgetKind kind) {
        Map<String, String> options = new LinkedHashMap<>(method.options());
        options.remove("budget");
        options.putIfAbsent("ratio", "1");
        return new AtBudget(CompressionMethods.spec(method.name()), options, kind, 1).reach(video.tokens(), video.features().signals(), MethodHooks.cost(qa.videoModel()));
    }

    private interface Step {
        void at(int step, int token, double[] logProbs);
    }

    /**
     * {@code comp} on {@code on}'s stages: the prompt prefilled, then {@code steps} steps, the token of each
     * {@code forced[s]}, or the greedy one.
     */
    private Stats run(VideoQa on, CompressionMethod comp, int[] forced, Step step) {
        CompressedVideo compressed = on.compressStage().apply(video, comp);
        AnswerStage answers = on.answerStage();
        int[] prompt = answers.promptIds(question, compressed.videoPositions());
        int ctx = on.videoModel().text().maxPositions();
        if (prompt.length + steps > ctx)
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, too many for " + steps + " steps in the model's context of " + ctx);
        Sequence seq = answers.start(compressed, question, prompt, new GenerationOptions(steps, 0f, 1f, 0, true), null, null);
        seq.prefill(Integer.MAX_VALUE);
        for (int s = 0; s < steps; s++) {
            float[] logits = seq.logits();
            double[] logProbs = logSoftmax(logits, 0, logits.length);
            int tok = forced != null ? forced[s] : argmax(logProbs);
            step.at(s, tok, logProbs);
            seq.force(tok);
        }
        return seq.answer().stats();
    }

    /** log softmax of {@code n} logits from {@code off}, in double. */
    static double[] logSoftmax(float[] logits, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - max);
        double lse = max + Math.log(sum);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = logits[off + i] - lse;
        return r;
    }

    /** KL(p ‖ q) = Σ p·(log p − log q) from log-probabilities; terms with p = 0 count 0. */
    static double kl(double[] logP, double[] logQ) {
        double s = 0;
        for (int i = 0; i < logP.length; i++) {
            double p = Math.exp(logP[i]);
            if (p > 0) s += p * (logP[i] - logQ[i]);
        }
        return Math.max(0, s);
    }

    /** The first index of the largest value, as {@link dev.dycoke4j.llm.Sampler#argmax} picks from the logits. */
    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
