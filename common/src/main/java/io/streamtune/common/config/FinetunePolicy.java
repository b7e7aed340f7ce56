package io.streamtune.common.config;

/**
 * Whether and how often the trainer fine-tunes a task's encoder (tier 2), beside the head-only challengers it
 * trains at every window.
 *
 * <pre>{@code
 * tasks:
 *   - name: finance
 *     finetune: {mode: lora, every: 5, epochs: 2}   # a LoRA challenger after every 5th head-only attempt
 * }</pre>
 *
 * <p>The device is the head's ({@code head.device}): one setting says where a task trains.
 *
 * @param options what a fine-tuning challenger trains and how ({@link FinetuneSettings}); mode {@code none}: never
 * @param every a fine-tuning challenger starts after every {@code every}-th head-only attempt of the task (published,
 *     rejected or failed), when none is running for it; at least 1
 */
public record FinetunePolicy(FinetuneOptions options, int every) {

    public FinetunePolicy {
        if (options == null) {
            throw new IllegalArgumentException("finetune options are required");
        }
        if (every < 1) {
            throw new IllegalArgumentException(FinetuneSettings.EVERY.key() + " must be >= 1, got " + every);
        }
    }

    /** Head-only training: {@code finetune.mode: none} with every other default. */
    public static FinetunePolicy none() {
        return new FinetunePolicy(FinetuneOptions.defaults(FinetuneMode.NONE), FinetuneSettings.EVERY.defaultValue());
    }

    /** Whether the task fine-tunes its encoder at all. */
    public boolean enabled() {
        return options.mode() != FinetuneMode.NONE;
    }

    public FinetuneMode mode() {
        return options.mode();
    }

    /** A copy with other options. */
    public FinetunePolicy withOptions(FinetuneOptions o) {
        return new FinetunePolicy(o, every);
    }

    /** A copy with another cadence. */
    public FinetunePolicy withEvery(int n) {
        return new FinetunePolicy(options, n);
    }
}
