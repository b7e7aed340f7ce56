package io.streamtune.trainer.training.image;

import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.TensorPack;

/**
 * Weights a training starts from: the champion's backbone and head (continuous fine-tuning), or
 * what a training would start from ({@link CnnTrainer#startingPoint}).
 *
 * @param backbone the backbone's pack
 * @param head     its linear head on the backbone's features
 */
public record WarmStart(TensorPack backbone, HeadWeights head) {}
