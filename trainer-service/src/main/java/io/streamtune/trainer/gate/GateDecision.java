package io.streamtune.trainer.gate;

import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.trainer.window.TrainingWindow;

/**
 * The gate's verdict on one challenger.
 *
 * @param challenger       the challenger artifact, complete with its metadata (version, parent, window, metrics)
 * @param challengerMetrics its holdout metrics
 * @param championMetrics  the champion's metrics on the same holdout; null when there was no usable champion
 * @param admitted         whether it may be published
 * @param reason           both scores and the rule that decided
 * @param trainingMillis   time spent training and scoring
 * @param challengerKind   how the challenger was trained ({@code head}, {@code finetune-lora}, {@code cnn}, ...)
 * @param device           where it trained
 */
public record GateDecision(
        ModelArtifact challenger,
        ModelMetrics challengerMetrics,
        ModelMetrics championMetrics,
        boolean admitted,
        String reason,
        long trainingMillis,
        String challengerKind,
        String device) {

    /** The audit record of this decision. */
    public ModelEvent toEvent(TrainingWindow window, long createdAtMillis) {
        var meta = challenger.meta();
        return new ModelEvent(
                meta.task(),
                meta.version(),
                meta.parentVersion(),
                admitted ? ModelEvent.Decision.PUBLISHED : ModelEvent.Decision.REJECTED,
                challengerMetrics,
                championMetrics,
                reason,
                window.ranges(),
                window.training().size(),
                window.holdout().size(),
                trainingMillis,
                meta.encoderId(),
                createdAtMillis,
                admitted ? challenger.toBytes() : null,
                challengerKind,
                device,
                window.trigger());
    }
}
