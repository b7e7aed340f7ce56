package io.streamtune.scoring.testing;

import java.util.List;

import io.streamtune.common.config.HeadKind;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.runtime.Backbones;

/** Small, predictable model artifacts on top of the real default encoder, shared by the scorer's tests. */
public final class TestModels {
    /** The tasks' default sequence length. */
    public static final int LENGTH = Encoders.DEFAULT_MAX_SEQUENCE_LENGTH;

    private static Backbones shared;

    private TestModels() {}

    /** Backbones opened once per test JVM (an encoder takes seconds to open); closed when the JVM exits. */
    public static synchronized Backbones backbones() {
        if (shared == null) {
            shared = Backbones.opening(0, null);
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** The default encoder as a version records it, at {@code length} tokens. */
    public static BackboneRef backbone(int length) {
        try (Backbones.Lease lease = backbones().frozenText(Encoders.DEFAULT_ID, length)) {
            return lease.ref();
        } catch (ArtifactException e) {
            throw new IllegalStateException("the default encoder cannot be opened: " + e.getMessage(), e);
        }
    }

    /**
     * A linear head with zero weights and the given biases on the default encoder: every text gets label
     * {@code labels[argmax(bias)]}, whatever it says, so tests can tell versions apart by label.
     */
    public static ModelArtifact constant(String task, long version, List<String> labels, float... bias) {
        return constant(backbone(LENGTH), task, version, labels, bias);
    }

    /** As {@link #constant(String, long, List, float...)} on a given backbone of the default encoder (384 dimensions). */
    public static ModelArtifact constant(
            BackboneRef backbone, String task, long version, List<String> labels, float... bias) {
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                task,
                version,
                version > 1 ? version - 1 : null,
                backbone.id(),
                backbone.baseSha256(),
                labels,
                null,
                List.of(),
                System.currentTimeMillis(),
                "test v" + version);
        int dim = 384;
        HeadWeights head = new HeadWeights(
                HeadKind.LINEAR,
                List.of(new HeadWeights.Layer(dim, labels.size(), new float[dim * labels.size()], bias)));
        return ModelArtifact.of(meta, backbone, head);
    }
}
