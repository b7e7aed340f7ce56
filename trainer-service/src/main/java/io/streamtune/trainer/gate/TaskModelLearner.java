package io.streamtune.trainer.gate;

import java.util.List;

import io.streamtune.common.event.Example;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.Classifier;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.nlp.TextEncoder;
import io.streamtune.trainer.training.ClassWeighting;
import io.streamtune.trainer.training.TaskModelTrainer;
import io.streamtune.trainer.training.TrainingOptions;

/**
 * The learning core behind the gate: {@link TaskModelTrainer} for the head and {@link Classifier}
 * for scoring. Give it a caching encoder so a sliding window re-encodes only its new examples.
 */
public final class TaskModelLearner implements Learner {
    private final TextEncoder encoder;
    private final TaskModelTrainer trainer;

    public TaskModelLearner(TextEncoder cachingEncoder, TrainingOptions options, ClassWeighting weighting) {
        this.encoder = cachingEncoder;
        this.trainer = new TaskModelTrainer(cachingEncoder, options, weighting);
    }

    @Override
    public HeadWeights train(List<String> labels, List<Example> training) {
        return trainer.train(labels, texts(training));
    }

    @Override
    public ModelMetrics evaluate(ModelArtifact artifact, List<String> labels, List<Example> holdout) throws ArtifactException {
        try (Classifier c = Classifier.load(artifact, encoder)) {
            return trainer.evaluate(c, labels, texts(holdout)).toMetrics();
        }
    }

    @Override
    public String encoderId() {
        return encoder.id();
    }

    @Override
    public String encoderChecksum() {
        return encoder.checksum();
    }

    private static List<TaskModelTrainer.LabelledText> texts(List<Example> examples) {
        return examples.stream().map(e -> new TaskModelTrainer.LabelledText(e.text(), e.label())).toList();
    }
}
