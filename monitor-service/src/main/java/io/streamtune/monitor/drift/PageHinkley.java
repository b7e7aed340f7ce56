package io.streamtune.monitor.drift;

import java.nio.ByteBuffer;

/**
 * Two-sided Page-Hinkley change detector (Page, "Continuous inspection schemes", Biometrika 41,
 * 1954; in the drift-detection form of Mouss et al., "Test of Page-Hinckley, an approach for fault
 * detection in an agro-alimentary production system", 2004) on the standardised stream.
 *
 * <p>With {@code x̄_t} and {@code s_t} the running mean and standard deviation (Welford) of the
 * samples since the last reset, each sample after the warm-up adds {@code z_t = (x_t - x̄_t) / s}
 * to two cumulative sums: {@code U_t = Σ (z - delta)} watches for an increase and fires when
 * {@code U_t - min U > lambda}; {@code L_t = Σ (z + delta)} watches for a decrease and fires when
 * {@code max L - L_t > lambda}. {@code s} is {@code max(s_t, sigmaFloor)}, so a near-constant
 * stream (a label almost never predicted) does not turn one rare value into a detection.
 * Standardising makes {@code delta} and {@code lambda} mean the same for an error rate, a label
 * share and a confidence: in standard deviations of the watched value.
 *
 * <p>After a detection the caller {@link #reset()}s it: the new regime gets its own warm-up.
 * Not thread-safe; one instance per watched stream, on the stream thread.
 */
public final class PageHinkley {
    /** Standard deviation below which the stream is treated as having this one (see the class doc). */
    public static final double SIGMA_FLOOR = 0.05;
    /** Weight of the newest sample in {@link #recentMean()}. */
    static final double RECENT_ALPHA = 0.02;

    /** A detection: which way the mean moved and the statistic that crossed the threshold. */
    public record Detection(boolean up, double statistic, long samples, double meanBefore, double meanRecent) {}

    private final double delta;
    private final double lambda;
    private final int warmup;

    private long n;
    private double mean;
    private double m2;
    private double up;
    private double upMin;
    private double down;
    private double downMax;
    private double recent;

    /**
     * @param delta  tolerated change, in standard deviations (larger: fewer false alarms, slower)
     * @param lambda threshold, in standard deviations (larger: fewer false alarms, slower)
     * @param warmup samples used only to learn the mean and spread before testing
     */
    public PageHinkley(double delta, double lambda, int warmup) {
        if (lambda <= 0 || delta < 0 || warmup < 2) {
            throw new IllegalArgumentException("Page-Hinkley needs lambda > 0, delta >= 0, warmup >= 2; got " + lambda
                    + ", " + delta + ", " + warmup);
        }
        this.delta = delta;
        this.lambda = lambda;
        this.warmup = warmup;
    }

    /** Adds a sample; returns the detection it completes, or null. */
    public Detection add(double x) {
        n++;
        double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
        recent = n == 1 ? x : recent + RECENT_ALPHA * (x - recent);
        if (n <= warmup) {
            return null;
        }
        double s = Math.max(Math.sqrt(m2 / (n - 1)), SIGMA_FLOOR);
        double z = (x - mean) / s;
        up += z - delta;
        upMin = Math.min(upMin, up);
        down += z + delta;
        downMax = Math.max(downMax, down);
        double upStat = up - upMin;
        double downStat = downMax - down;
        if (upStat > lambda || downStat > lambda) {
            boolean increase = upStat >= downStat;
            return new Detection(increase, increase ? upStat : downStat, n, mean, recent);
        }
        return null;
    }

    /** Forgets everything: the next samples warm up again. */
    public void reset() {
        n = 0;
        mean = 0;
        m2 = 0;
        up = 0;
        upMin = 0;
        down = 0;
        downMax = 0;
        recent = 0;
    }

    public long samples() {
        return n;
    }

    /** Running mean since the last reset. */
    public double mean() {
        return mean;
    }

    /** Exponentially weighted mean of the recent samples (weight {@value #RECENT_ALPHA}). */
    public double recentMean() {
        return recent;
    }

    /** The larger of the two one-sided statistics now, in standard deviations. */
    public double statistic() {
        return Math.max(up - upMin, downMax - down);
    }

    /** Bytes of the state ({@value #BYTES}), for a changelogged store. */
    public static final int BYTES = 8 * 8;

    public void writeTo(ByteBuffer b) {
        b.putLong(n)
                .putDouble(mean)
                .putDouble(m2)
                .putDouble(up)
                .putDouble(upMin)
                .putDouble(down)
                .putDouble(downMax)
                .putDouble(recent);
    }

    public void readFrom(ByteBuffer b) {
        n = b.getLong();
        mean = b.getDouble();
        m2 = b.getDouble();
        up = b.getDouble();
        upMin = b.getDouble();
        down = b.getDouble();
        downMax = b.getDouble();
        recent = b.getDouble();
    }
}
