package io.streamtune.common.model;

import io.streamtune.common.nlp.TextEncoder;
import java.util.List;

/**
 * Checks that an artifact fits the task and encoder it is about to serve, before anything
 * swaps to it.
 *
 * <pre>{@code
 * ModelArtifact a = ModelArtifact.parse(bytes);
 * ArtifactChecks.checkCompatible(a, "reviews", List.of("negative", "positive"), encoder);
 * }</pre>
 */
public final class ArtifactChecks {

  private ArtifactChecks() {}

  /**
   * Verifies task, labels (same order), encoder id and checksum, and head dimensions.
   *
   * @throws ArtifactException LABEL_MISMATCH (task or labels differ), ENCODER_MISMATCH (encoder
   *     id or checksum differ), SHAPE_MISMATCH (head does not fit encoder or labels)
   */
  public static void checkCompatible(
      ModelArtifact a, String task, List<String> expectedLabels, TextEncoder encoder)
      throws ArtifactException {
    ModelVersion m = a.meta();
    String where = " (task " + m.task() + ", version " + m.version() + ")";
    // No TASK_MISMATCH reason exists; a task defines its label set, so a foreign task is
    // reported as a label mismatch with a message that says so.
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
    checkEncoder(a, encoder);
  }

  /**
   * Verifies the artifact against an encoder alone (id, checksum, dimension) and its head
   * against its own label list.
   *
   * @throws ArtifactException ENCODER_MISMATCH or SHAPE_MISMATCH
   */
  public static void checkEncoder(ModelArtifact a, TextEncoder encoder) throws ArtifactException {
    ModelVersion m = a.meta();
    String where = " (task " + m.task() + ", version " + m.version() + ")";
    if (!m.encoderId().equals(encoder.id())) {
      throw new ArtifactException(
          ArtifactException.Reason.ENCODER_MISMATCH,
          "trained on encoder " + m.encoderId() + ", offered " + encoder.id() + where);
    }
    if (!m.encoderChecksum().equals(encoder.checksum())) {
      throw new ArtifactException(
          ArtifactException.Reason.ENCODER_MISMATCH,
          "encoder " + m.encoderId() + " checksum " + m.encoderChecksum()
              + " differs from the loaded one " + encoder.checksum() + where);
    }
    HeadWeights h = a.head();
    if (h.inputDimension() != encoder.dimension()) {
      throw new ArtifactException(
          ArtifactException.Reason.SHAPE_MISMATCH,
          "head takes " + h.inputDimension() + " inputs, encoder gives " + encoder.dimension()
              + where);
    }
    if (h.outputDimension() != m.labels().size()) {
      throw new ArtifactException(
          ArtifactException.Reason.SHAPE_MISMATCH,
          "head has " + h.outputDimension() + " outputs for " + m.labels().size() + " labels"
              + where);
    }
  }
}
