package io.streamtune.common.model;

import java.util.List;

/**
 * Metadata of one model version: what it is for, what it was trained from and how good it is.
 *
 * @param formatVersion artifact format version, {@link #FORMAT_VERSION} when written by this code
 * @param task task name
 * @param version monotonically increasing version within the task
 * @param parentVersion version this one replaced or was derived from; null for the first
 * @param encoderId encoder id (see {@code io.streamtune.common.nlp.Encoders})
 * @param encoderChecksum SHA-256 of the encoder's ONNX bytes the head was trained on
 * @param labels ordered label set; index i is output i of the head
 * @param metrics holdout metrics; may be null for a version not yet evaluated
 * @param window training window
 * @param createdAtMillis creation time, epoch milliseconds
 * @param note free text (e.g. "rollback of v3"); nullable
 */
public record ModelVersion(
        int formatVersion,
        String task,
        long version,
        Long parentVersion,
        String encoderId,
        String encoderChecksum,
        List<String> labels,
        ModelMetrics metrics,
        List<WindowRange> window,
        long createdAtMillis,
        String note) {

    /** The artifact format this code writes (it also reads version 1). */
    public static final int FORMAT_VERSION = 2;

    public ModelVersion {
        labels = labels == null ? List.of() : List.copyOf(labels);
        window = window == null ? List.of() : List.copyOf(window);
    }

    /** The same metadata under another artifact format version. */
    public ModelVersion withFormatVersion(int format) {
        return new ModelVersion(
                format,
                task,
                version,
                parentVersion,
                encoderId,
                encoderChecksum,
                labels,
                metrics,
                window,
                createdAtMillis,
                note);
    }
}
