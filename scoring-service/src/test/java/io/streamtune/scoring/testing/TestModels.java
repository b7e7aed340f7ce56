package io.streamtune.scoring.testing;

import java.util.List;

import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.nlp.TextEncoder;

/** Small, predictable model artifacts on top of a real encoder. */
public final class TestModels {
    private TestModels() {
    }

    /**
     * A linear head with zero weights and the given biases: every text gets label
     * {@code labels[argmax(bias)]}, whatever it says, so tests can tell versions apart by label.
     */
    public static ModelArtifact constant(TextEncoder encoder, String task, long version, List<String> labels, float... bias) {
        ModelVersion meta = new ModelVersion(ModelVersion.FORMAT_VERSION, task, version, version > 1 ? version - 1 : null,
                encoder.id(), encoder.checksum(), labels, null, List.of(), System.currentTimeMillis(), "test v" + version);
        HeadWeights head = new HeadWeights(HeadWeights.LINEAR,
                List.of(new HeadWeights.Layer(encoder.dimension(), labels.size(), new float[encoder.dimension() * labels.size()], bias)));
        return ModelArtifact.of(meta, head);
    }
}
