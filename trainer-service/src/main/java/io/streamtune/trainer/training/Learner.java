package io.streamtune.trainer.training;

import java.util.List;

import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelMetrics;

/**
 * What the promotion gate needs from the learning core: a challenger trained on a window's training
 * examples, and any version's metrics on a holdout, classified exactly as the scorer classifies
 * (same backbones, same head arithmetic). {@link HeadLearner} trains heads; fine-tuning and image
 * learners train backbones too. The seam keeps the gate's decisions unit-testable without a model.
 */
public interface Learner {

    /**
     * Trains a challenger.
     *
     * @param task the task as configured now
     * @param champion the version in service, or null: a learner may start from it (warm start) or
     *     stand on its backbone
     * @param training the training examples, oldest first
     * @throws ArtifactException when the backbone it needs cannot be opened
     * @throws IllegalArgumentException when an example's label is not in the task's labels
     */
    Challenger train(TaskConfig task, ModelArtifact champion, List<Example> training) throws ArtifactException;

    /**
     * A version's holdout metrics.
     *
     * @throws ArtifactException when the version cannot be opened (its backbone, weights or head)
     */
    ModelMetrics evaluate(TaskConfig task, ModelArtifact artifact, List<Example> holdout) throws ArtifactException;
}
