package io.streamtune.common.config;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The {@code finetune.*} settings of a task (tier 2: fine-tuning the encoder itself), each declared once.
 *
 * <pre>{@code
 * tasks:
 *   - name: finance
 *     labels: [bearish, bullish, neutral]
 *     finetune: {mode: lora, lora: {rank: 8, alpha: 16, targets: [query, value]}, epochs: 3}
 * }</pre>
 *
 * <pre>{@code
 * FinetuneOptions o = FinetuneSettings.read(taskNode, "tasks[0] (finance)", problems);
 * }</pre>
 */
public final class FinetuneSettings {

    public static final Setting<FinetuneMode> MODE = Setting.enumeration(
            "finetune.mode",
            FinetuneMode.class,
            FinetuneMode.NONE,
            "none (head only), bitfit, lora or full: what a fine-tuning challenger trains");
    public static final Setting<Integer> LORA_RANK = Setting.integer("finetune.lora.rank", 8, 1, 256, "LoRA rank r");
    public static final Setting<Double> LORA_ALPHA =
            Setting.decimal("finetune.lora.alpha", 16.0, 1e-3, 1e4, "LoRA alpha; updates are scaled by alpha / r");
    public static final Setting<Set<LoraTarget>> LORA_TARGETS = Setting.enumerations(
            "finetune.lora.targets",
            LoraTarget.class,
            Set.of(LoraTarget.QUERY, LoraTarget.VALUE),
            "matrices of every layer LoRA adapts: query, key, value, attention_output, intermediate, output");
    public static final Setting<Double> LEARNING_RATE = Setting.decimal(
            "finetune.learningRate",
            0.0,
            0.0,
            0.1,
            "peak encoder learning rate; 0: the mode's default (full 5e-5, lora 1e-3, bitfit 1e-3)");
    public static final Setting<Double> HEAD_LEARNING_RATE = Setting.decimal(
            "finetune.headLearningRate", 2e-3, 1e-7, 0.5, "peak learning rate of the classification head");
    public static final Setting<Double> WARMUP = Setting.decimal(
            "finetune.warmup",
            0.1,
            0.0,
            0.9,
            "share of the steps with a linearly rising learning rate, then linear decay to 0");
    public static final Setting<Integer> EPOCHS =
            Setting.integer("finetune.epochs", 3, 1, 100, "passes over the training window");
    public static final Setting<Integer> MAX_LENGTH = Setting.integer(
            "finetune.maxLength",
            128,
            2,
            512,
            "tokens per text while training; keep equal to maxSequenceLength unless time forces less");
    public static final Setting<Integer> BATCH_SIZE =
            Setting.integer("finetune.batchSize", 16, 1, 512, "examples per optimiser step");
    public static final Setting<Double> GRADIENT_CLIP =
            Setting.decimal("finetune.gradientClip", 1.0, 1e-6, 1e6, "maximum global L2 norm of the gradients");
    public static final Setting<Double> WEIGHT_DECAY = Setting.decimal(
            "finetune.weightDecay",
            0.01,
            0.0,
            0.99,
            "AdamW decoupled weight decay (matrices and LoRA factors, not biases or LayerNorm)");
    public static final Setting<Integer> SEED = Setting.integer(
            "finetune.seed",
            42,
            Integer.MIN_VALUE,
            Integer.MAX_VALUE,
            "seed of example order and initialisation (deterministic on CPU)");
    public static final Setting<Boolean> MIXED_PRECISION = Setting.bool(
            "finetune.mixedPrecision",
            true,
            "float16 matrix products with loss scaling on a GPU (never on CPU); untested: no GPU machine runs Java");

    public static final Setting<Integer> EVERY = Setting.integer(
            "finetune.every",
            5,
            1,
            1_000_000,
            "start a fine-tuning challenger after every this many head-only attempts (when none is running)");

    /** Every setting, in documentation order. */
    public static final List<Setting<?>> ALL = List.of(
            MODE,
            EVERY,
            LORA_RANK,
            LORA_ALPHA,
            LORA_TARGETS,
            LEARNING_RATE,
            HEAD_LEARNING_RATE,
            WARMUP,
            EPOCHS,
            MAX_LENGTH,
            BATCH_SIZE,
            GRADIENT_CLIP,
            WEIGHT_DECAY,
            SEED,
            MIXED_PRECISION);

    private FinetuneSettings() {}

    /**
     * Reads the {@code finetune} section of a task; a wrong value adds a problem naming {@code where.finetune.<key>}
     * and its default is used.
     *
     * @param task the task's node (holds {@code finetune: {...}}); null gives the defaults
     * @param where the task's prefix in messages, e.g. {@code tasks[0] (finance)}
     */
    public static FinetuneOptions read(JsonNode task, String where, List<String> problems) {
        return new FinetuneOptions(
                MODE.read(task, where, problems),
                LORA_RANK.read(task, where, problems),
                LORA_ALPHA.read(task, where, problems),
                LORA_TARGETS.read(task, where, problems),
                LEARNING_RATE.read(task, where, problems),
                HEAD_LEARNING_RATE.read(task, where, problems),
                WARMUP.read(task, where, problems),
                EPOCHS.read(task, where, problems),
                MAX_LENGTH.read(task, where, problems),
                BATCH_SIZE.read(task, where, problems),
                GRADIENT_CLIP.read(task, where, problems),
                WEIGHT_DECAY.read(task, where, problems),
                SEED.read(task, where, problems),
                MIXED_PRECISION.read(task, where, problems));
    }

    /**
     * Reads the {@code finetune} section of a task with its cadence ({@code finetune.every}); a wrong value adds a
     * problem naming {@code where.finetune.<key>}.
     */
    public static FinetunePolicy readPolicy(JsonNode task, String where, List<String> problems) {
        return new FinetunePolicy(read(task, where, problems), EVERY.read(task, where, problems));
    }

    /** Every default, with the given mode. */
    static FinetuneOptions defaults(FinetuneMode mode) {
        return new FinetuneOptions(
                mode,
                LORA_RANK.defaultValue(),
                LORA_ALPHA.defaultValue(),
                LORA_TARGETS.defaultValue(),
                LEARNING_RATE.defaultValue(),
                HEAD_LEARNING_RATE.defaultValue(),
                WARMUP.defaultValue(),
                EPOCHS.defaultValue(),
                MAX_LENGTH.defaultValue(),
                BATCH_SIZE.defaultValue(),
                GRADIENT_CLIP.defaultValue(),
                WEIGHT_DECAY.defaultValue(),
                SEED.defaultValue(),
                MIXED_PRECISION.defaultValue());
    }
}
