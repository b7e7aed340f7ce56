package io.streamtune.trainer.loop;

import io.streamtune.common.config.FinetunePolicy;

/**
 * When a task starts a fine-tuning challenger: after every {@code finetune.every}-th head-only attempt (an attempt
 * that trained, whatever the gate decided or when training failed), provided none is running for the task. An attempt
 * made while one runs still counts, so a fine-tune due while another ran starts at the first attempt after it ended.
 * Mode {@code none}: never. Not thread-safe: the loop thread owns it.
 *
 * <pre>{@code
 * cadence.headAttempted();
 * if (cadence.due()) { start(...); cadence.started(); }
 * ...
 * cadence.finished();   // result gated, failed or cancelled
 * }</pre>
 */
public final class FinetuneCadence {
    private final FinetunePolicy policy;
    private int attemptsSinceStart;
    private boolean running;

    public FinetuneCadence(FinetunePolicy policy) {
        this.policy = policy;
    }

    /** A head-only challenger was trained (or its training failed). */
    public void headAttempted() {
        attemptsSinceStart++;
    }

    /** Whether a fine-tuning challenger should start now. */
    public boolean due() {
        return policy.enabled() && !running && attemptsSinceStart >= policy.every();
    }

    /** One was started: the count starts again. */
    public void started() {
        running = true;
        attemptsSinceStart = 0;
    }

    /** The running one ended (gated, failed or cancelled). */
    public void finished() {
        running = false;
    }

    public boolean running() {
        return running;
    }

    /** Head-only attempts since the last fine-tune started. */
    public int attemptsSinceStart() {
        return attemptsSinceStart;
    }
}
