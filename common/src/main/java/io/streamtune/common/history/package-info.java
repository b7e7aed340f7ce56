/**
 * What the model topics say: {@link io.streamtune.common.history.ModelHistory} reads
 * {@code streamtune.models} and the audit log {@code streamtune.model-events} and finds each task's
 * newest valid version, for the trainer (its champion), the scorer (what serves after a start) and the
 * operator commands alike.
 */
package io.streamtune.common.history;
