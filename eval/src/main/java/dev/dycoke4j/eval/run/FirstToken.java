package dev.dycoke4j.eval.run;

/** The first answer token's distribution: log-softmax, KL divergence and argmax, in double precision. */
final class FirstToken {
    private FirstToken() {
    }

    /** log softmax of {@code logits}. */
    static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        double lse = max + Math.log(sum);
        double[] r = new double[logits.length];
        for (int i = 0; i < logits.length; i++) r[i] = logits[i] - lse;
        return r;
    }

    /** KL(p ‖ q) in nats from log-probabilities; terms with p = 0 count 0. */
    static double kl(double[] logP, double[] logQ) {
        double s = 0;
        for (int i = 0; i < logP.length; i++) {
            double p = Math.exp(logP[i]);
            if (p > 0) s += p * (logP[i] - logQ[i]);
        }
        return Math.max(0, s);
    }
}
