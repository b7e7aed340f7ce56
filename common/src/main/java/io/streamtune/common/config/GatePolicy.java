package io.streamtune.common.config;

/**
 * The promotion gate: a challenger is published only if its holdout macro-F1 is at least the
 * champion's minus {@code tolerance} and at least {@code floor}.
 */
public record GatePolicy(double tolerance, double floor) {
    public boolean admits(double challengerMacroF1, Double championMacroF1) {
        if (challengerMacroF1 < floor) {
            return false;
        }
        return championMacroF1 == null || challengerMacroF1 >= championMacroF1 - tolerance;
    }
}
