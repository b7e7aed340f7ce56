package io.streamtune.common.model;

/**
 * A model artifact was rejected: it cannot be parsed, fails its checksum, or does not fit the
 * task and encoder it is meant for. The message names task and version where known.
 *
 * <p>Checked: the caller can act (keep the champion, report the rejected version).
 */
public final class ArtifactException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why an artifact was rejected. */
    public enum Reason {
        /** Not a well-formed artifact (bad JSON, missing or invalid fields). */
        MALFORMED,
        /** The bytes end early. */
        TRUNCATED,
        /** The payload does not match its recorded SHA-256. */
        CHECKSUM_MISMATCH,
        /** Written in a format version this code does not read. */
        UNSUPPORTED_FORMAT,
        /** Label set (or task) differs from the one expected. */
        LABEL_MISMATCH,
        /** Trained on another encoder (id or checksum). */
        ENCODER_MISMATCH,
        /** Head dimensions do not fit the encoder or the label set. */
        SHAPE_MISMATCH,
        /** Weights the artifact refers to are not in the artifact store (deleted, or another store). */
        MISSING_WEIGHTS,
        /** The backbone cannot be opened by this build (kind, id or weights format it does not know). */
        UNSUPPORTED_BACKBONE
    }

    private final Reason reason;

    public ArtifactException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public ArtifactException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
