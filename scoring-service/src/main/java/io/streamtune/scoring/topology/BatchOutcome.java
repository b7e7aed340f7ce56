package io.streamtune.scoring.topology;

import io.streamtune.common.event.Reason;
import io.streamtune.common.model.Classification;

/** What became of one event of a batch: scored, or failed with a dead-letter reason. */
sealed interface BatchOutcome permits BatchOutcome.Scored, BatchOutcome.Failed {

    /** The event's classification. */
    record Scored(Classification classification) implements BatchOutcome {}

    /**
     * The event could not be scored.
     *
     * @param reason dead-letter reason ({@link Reason#SCORING_FAILED}, or the input's own, e.g. IMAGE_UNDECODABLE)
     * @param message what failed, for the dead letter's message header
     * @param exceptionClass the exception's class, or null
     */
    record Failed(Reason reason, String message, String exceptionClass) implements BatchOutcome {}
}
