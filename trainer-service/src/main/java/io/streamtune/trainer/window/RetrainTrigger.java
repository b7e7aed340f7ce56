package io.streamtune.trainer.window;

import java.time.Duration;

import io.streamtune.common.config.WindowPolicy;

/**
 * When a task retrains: after {@code retrainEvery} new examples, or once {@code maxWait} has
 * passed since the last attempt with at least {@code minNew} new ones. "New" means consumed
 * since the last training attempt, published or rejected, so a rejected challenger does not
 * make the trainer retry on every following example.
 */
public final class RetrainTrigger {
    private RetrainTrigger() {}

    public static boolean due(WindowPolicy policy, long newExamples, Duration sinceLastAttempt) {
        if (newExamples >= policy.retrainEvery()) {
            return true;
        }
        return newExamples >= policy.minNew() && sinceLastAttempt.compareTo(policy.maxWait()) >= 0;
    }
}
