package io.streamtune.trainer;

import java.util.List;

import io.streamtune.common.config.Modality;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.trainer.training.Challenger;
import io.streamtune.trainer.training.Learner;

/**
 * The trainer's learning core: a task's modality picks the learner ({@code text}: heads on the
 * configured encoder, {@code image}: a whole CNN per window). Here, in the service's package, so that
 * {@code training} does not depend on {@code training.image}, which depends on it.
 */
final class ModalityLearner implements Learner {
    private final Learner text;
    private final Learner image;

    ModalityLearner(Learner text, Learner image) {
        this.text = text;
        this.image = image;
    }

    private Learner of(TaskConfig task) {
        return task.modality() == Modality.IMAGE ? image : text;
    }

    @Override
    public Challenger train(TaskConfig task, ModelArtifact champion, List<Example> training) throws ArtifactException {
        return of(task).train(task, champion, training);
    }

    @Override
    public ModelMetrics evaluate(TaskConfig task, ModelArtifact artifact, List<Example> holdout)
            throws ArtifactException {
        return of(task).evaluate(task, artifact, holdout);
    }
}
