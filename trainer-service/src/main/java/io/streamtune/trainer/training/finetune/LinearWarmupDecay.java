package io.streamtune.trainer.training.finetune;

/**
 * Learning-rate factor of step {@code s} (0-based) of {@code total}: rises linearly from 0 over the first
 * {@code warmup} steps, then falls linearly to 0 at {@code total}: {@code s / warmup} while {@code s < warmup},
 * else {@code (total - s) / (total - warmup)}. The schedule of Devlin et al., 2019 (BERT, section A.2), written as
 * Hugging Face transformers' {@code get_linear_schedule_with_warmup}.
 */
record LinearWarmupDecay(int total, int warmup) {

    LinearWarmupDecay {
        if (total < 1 || warmup < 0 || warmup >= Math.max(total, 1) + 1) {
            throw new IllegalArgumentException(
                    "schedule needs total >= 1 and 0 <= warmup <= total, got " + total + ", " + warmup);
        }
    }

    /** From a share of the steps. */
    static LinearWarmupDecay of(int total, double warmupFraction) {
        return new LinearWarmupDecay(total, (int) Math.floor(total * warmupFraction));
    }

    /** The factor in [0, 1] the peak learning rate is multiplied by at step {@code s}. */
    double factor(int s) {
        if (s < warmup) {
            return (double) s / warmup;
        }
        return Math.max(0.0, (double) (total - s) / Math.max(1, total - warmup));
    }
}
