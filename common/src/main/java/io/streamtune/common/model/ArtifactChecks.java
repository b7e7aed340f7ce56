package io.streamtune.common.model;

import java.util.List;

import io.streamtune.common.config.Modality;

/**
 * Checks that an artifact fits the task it is about to serve or be gated for, before anything loads
 * it: task, label set (same order) and the kind of backbone the task's modality needs. Whether its
 * backbone can be opened and its head fits that backbone is checked when it is opened
 * ({@code io.streamtune.common.runtime.Classifier#open}).
 *
 * <pre>{@code
 * ModelArtifact a = ModelArtifact.parse(bytes);
 * ArtifactChecks.checkFitsTask(a, "reviews", List.of("negative", "positive"), Modality.TEXT);
 * }</pre>
 */
public final class ArtifactChecks {

    private ArtifactChecks() {}

    /**
     * Verifies task, labels and backbone kind.
     *
     * @throws ArtifactException LABEL_MISMATCH (task or labels differ), ENCODER_MISMATCH (a text task
     *     offered an image backbone or the reverse)
     */
    public static void checkFitsTask(ModelArtifact a, String task, List<String> expectedLabels, Modality modality)
            throws ArtifactException {
        ModelVersion m = a.meta();
        String where = " (task " + m.task() + ", version " + m.version() + ")";
        // A task defines its label set, so a foreign task is reported as a label mismatch that says so.
        if (!m.task().equals(task)) {
            throw new ArtifactException(
                    ArtifactException.Reason.LABEL_MISMATCH,
                    "artifact is for task " + m.task() + ", expected task " + task + where);
        }
        if (!m.labels().equals(expectedLabels)) {
            throw new ArtifactException(
                    ArtifactException.Reason.LABEL_MISMATCH,
                    "labels " + m.labels() + " differ from expected " + expectedLabels + where);
        }
        BackboneKind needed = modality == Modality.IMAGE ? BackboneKind.IMAGE_CNN : BackboneKind.TEXT_ENCODER;
        if (a.backbone().kind() != needed) {
            throw new ArtifactException(
                    ArtifactException.Reason.ENCODER_MISMATCH,
                    "a " + modality.name().toLowerCase(java.util.Locale.ROOT) + " task needs a " + needed.wireName()
                            + " backbone, the artifact has "
                            + a.backbone().kind().wireName() + where);
        }
    }
}
