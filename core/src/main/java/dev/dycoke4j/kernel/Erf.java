package dev.dycoke4j.kernel;

/**
 * The complementary error function in double precision, accurate to about 1e-15 relative over the whole line: a
 * Taylor series for |x| < 1 (where erfc ≥ 0.157, so {@code 1 - erf} loses nothing), and a continued fraction from 1
 * on (under 200 terms at 1, 33 at 3). Taking {@code 1 - series} up to 3, as this class once did, lost up to 9 digits
 * of erfc near 3 to cancellation.
 */
public final class Erf {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    private Erf() {
    }

    public static double erf(double x) {
        return 1.0 - erfc(x);
    }

    public static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax < 1.0) return 1.0 - series(x);
        double tail = continuedFraction(ax);
        return x > 0 ? tail : 2.0 - tail;
    }

    /** erf(x) = 2/√π · Σ (-1)ⁿ x^(2n+1) / (n! (2n+1)). */
    private static double series(double x) {
        double x2 = x * x, term = x, sum = x;
        for (int n = 1; n < 100; n++) {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    /** erfc(x) for x ≥ 1 by Lentz's evaluation of the Laplace continued fraction. */
    private static double continuedFraction(double x) {
        // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
        double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 1000; n++) {
            double a = n / 2.0;
            d = x + a * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = x + a / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) break;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }
}
