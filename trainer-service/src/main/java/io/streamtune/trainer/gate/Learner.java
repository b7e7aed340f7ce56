package io.streamtune.trainer.gate;

import java.util.List;

import io.streamtune.common.event.Example;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelMetrics;

/**
 * What the gate needs from the learning core: train a head on a window, score an artifact on a
 * holdout. {@link TaskModelLearner} is the one implementation in production; the seam keeps the
 * gate's decisions unit-testable without an encoder.
 */
public interface Learner {
    HeadWeights train(List<String> labels, List<Example> training);

    ModelMetrics evaluate(ModelArtifact artifact, List<String> labels, List<Example> holdout) throws ArtifactException;

    /** Id and checksum of the encoder the heads are trained on, for the artifact's metadata. */
    String encoderId();

    String encoderChecksum();
}
