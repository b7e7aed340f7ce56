package io.streamtune.common.config;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * How a fine-tuning challenger trains the encoder itself (tier 2): one record for the trainer, {@code evaluate} and
 * the configuration ({@link FinetuneSettings} reads it from a task's {@code finetune} section).
 *
 * <p>Optimiser: AdamW (Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization") with a linear warm-up
 * over the first {@code warmupFraction} of the steps and a linear decay to zero after it (the schedule of Devlin et
 * al., 2019, BERT, section A.2). Weight decay applies to weight matrices and LoRA factors, not to biases or
 * LayerNorm gains. Gradients are clipped to a global L2 norm of {@code gradientClip} before each step.
 *
 * @param mode what to train besides the head; {@link FinetuneMode#NONE} is refused by the fine-tuner
 * @param loraRank LoRA rank r (1..256)
 * @param loraAlpha LoRA alpha; the update is scaled by alpha / r
 * @param loraTargets matrices of every layer that get adapters (LoRA only)
 * @param learningRate peak learning rate of the encoder's trainable weights; 0 takes the mode's default
 *     ({@link #defaultLearningRate})
 * @param headLearningRate peak learning rate of the classification head
 * @param warmupFraction share of all steps spent warming up, in [0, 1)
 * @param epochs passes over the examples (1..100)
 * @param maxLength tokens per text during training, special tokens included (2..512); serving truncates to the
 *     task's maximum sequence length, so keep them equal unless training time forces a shorter one
 * @param batchSize examples per step (1..512)
 * @param gradientClip maximum global L2 norm of the gradients, &gt; 0
 * @param weightDecay decoupled weight decay, in [0, 1)
 * @param seed seeds the example order, the LoRA and head initialisation: same seed, same data, CPU = same weights
 * @param mixedPrecision on a GPU, run the encoder's matrix products in float16 with dynamic loss scaling
 *     (float32 master weights); ignored on the CPU
 */
public record FinetuneOptions(
        FinetuneMode mode,
        int loraRank,
        double loraAlpha,
        Set<LoraTarget> loraTargets,
        double learningRate,
        double headLearningRate,
        double warmupFraction,
        int epochs,
        int maxLength,
        int batchSize,
        double gradientClip,
        double weightDecay,
        long seed,
        boolean mixedPrecision) {

    /**
     * Checks ranges.
     *
     * @throws IllegalArgumentException naming the first value out of range
     */
    public FinetuneOptions {
        if (mode == null) {
            throw new IllegalArgumentException("finetune.mode must be set");
        }
        if (loraRank < 1 || loraRank > 256) {
            throw new IllegalArgumentException("finetune.lora.rank must be in 1..256, got " + loraRank);
        }
        if (!(loraAlpha > 0) || Double.isInfinite(loraAlpha)) {
            throw new IllegalArgumentException("finetune.lora.alpha must be > 0, got " + loraAlpha);
        }
        if (loraTargets == null || loraTargets.isEmpty()) {
            throw new IllegalArgumentException("finetune.lora.targets must name at least one matrix");
        }
        loraTargets = Collections.unmodifiableSet(EnumSet.copyOf(loraTargets));
        if (!(learningRate >= 0 && learningRate < 1)) {
            throw new IllegalArgumentException("finetune.learningRate must be in [0, 1), got " + learningRate);
        }
        if (!(headLearningRate > 0 && headLearningRate < 1)) {
            throw new IllegalArgumentException("finetune.headLearningRate must be in (0, 1), got " + headLearningRate);
        }
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            throw new IllegalArgumentException("finetune.warmup must be in [0, 1), got " + warmupFraction);
        }
        if (epochs < 1 || epochs > 100) {
            throw new IllegalArgumentException("finetune.epochs must be in 1..100, got " + epochs);
        }
        if (maxLength < 2 || maxLength > 512) {
            throw new IllegalArgumentException("finetune.maxLength must be in 2..512, got " + maxLength);
        }
        if (batchSize < 1 || batchSize > 512) {
            throw new IllegalArgumentException("finetune.batchSize must be in 1..512, got " + batchSize);
        }
        if (!(gradientClip > 0) || Double.isInfinite(gradientClip)) {
            throw new IllegalArgumentException("finetune.gradientClip must be > 0, got " + gradientClip);
        }
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new IllegalArgumentException("finetune.weightDecay must be in [0, 1), got " + weightDecay);
        }
    }

    /** The defaults of {@link FinetuneSettings}, for a mode. */
    public static FinetuneOptions defaults(FinetuneMode mode) {
        return FinetuneSettings.defaults(mode);
    }

    /**
     * The encoder learning rate a mode uses when {@code learningRate} is 0: full 5e-5 (the top of the 2e-5..5e-5 range
     * of Devlin et al., 2019), LoRA 1e-3 (Hu et al., 2021, used 4e-4..5e-4 over 30-80 epochs of GLUE; a window here
     * gets a few epochs), BitFit 1e-3 (Ben Zaken et al., 2022, searched 1e-4..1e-3); see docs/BENCHMARKS.md for
     * what was measured here.
     */
    public static double defaultLearningRate(FinetuneMode mode) {
        return switch (mode) {
            case FULL -> 5e-5;
            case LORA -> 1e-3;
            default -> 1e-3;
        };
    }

    /** The encoder learning rate in force: {@code learningRate}, or the mode's default when it is 0. */
    public double effectiveLearningRate() {
        return learningRate > 0 ? learningRate : defaultLearningRate(mode);
    }

    /** A copy with another mode. */
    public FinetuneOptions withMode(FinetuneMode m) {
        return new FinetuneOptions(
                m,
                loraRank,
                loraAlpha,
                loraTargets,
                learningRate,
                headLearningRate,
                warmupFraction,
                epochs,
                maxLength,
                batchSize,
                gradientClip,
                weightDecay,
                seed,
                mixedPrecision);
    }

    /** A copy with another number of epochs. */
    public FinetuneOptions withEpochs(int e) {
        return new FinetuneOptions(
                mode,
                loraRank,
                loraAlpha,
                loraTargets,
                learningRate,
                headLearningRate,
                warmupFraction,
                e,
                maxLength,
                batchSize,
                gradientClip,
                weightDecay,
                seed,
                mixedPrecision);
    }

    /** A copy with another training length. */
    public FinetuneOptions withMaxLength(int l) {
        return new FinetuneOptions(
                mode,
                loraRank,
                loraAlpha,
                loraTargets,
                learningRate,
                headLearningRate,
                warmupFraction,
                epochs,
                l,
                batchSize,
                gradientClip,
                weightDecay,
                seed,
                mixedPrecision);
    }

    /** A copy with another seed. */
    public FinetuneOptions withSeed(long s) {
        return new FinetuneOptions(
                mode,
                loraRank,
                loraAlpha,
                loraTargets,
                learningRate,
                headLearningRate,
                warmupFraction,
                epochs,
                maxLength,
                batchSize,
                gradientClip,
                weightDecay,
                s,
                mixedPrecision);
    }

    /** A copy with other learning rates (encoder 0 = the mode's default). */
    public FinetuneOptions withLearningRates(double encoder, double head) {
        return new FinetuneOptions(
                mode,
                loraRank,
                loraAlpha,
                loraTargets,
                encoder,
                head,
                warmupFraction,
                epochs,
                maxLength,
                batchSize,
                gradientClip,
                weightDecay,
                seed,
                mixedPrecision);
    }

    /** A copy with another batch size. */
    public FinetuneOptions withBatchSize(int b) {
        return new FinetuneOptions(
                mode,
                loraRank,
                loraAlpha,
                loraTargets,
                learningRate,
                headLearningRate,
                warmupFraction,
                epochs,
                maxLength,
                b,
                gradientClip,
                weightDecay,
                seed,
                mixedPrecision);
    }
}
