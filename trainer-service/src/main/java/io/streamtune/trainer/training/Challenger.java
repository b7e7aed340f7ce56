package io.streamtune.trainer.training;

import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.HeadWeights;

/**
 * A freshly trained challenger, before the gate: its backbone (as the version records it, weights
 * included) and its head.
 *
 * @param backbone the backbone it stands on
 * @param head the trained head
 * @param kind how it was trained, for the audit log: {@code head}, {@code finetune-lora}, {@code cnn}, ...
 * @param device where it trained ({@code cpu}, {@code gpu0}, ...)
 */
public record Challenger(BackboneRef backbone, HeadWeights head, String kind, String device) {}
