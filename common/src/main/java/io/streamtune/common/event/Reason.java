package io.streamtune.common.event;

/**
 * Why a record was sent to the dead-letter topic. The code travels in the
 * {@link DeadLetter#REASON} header; the list is part of the public contract (README, "Dead letters").
 */
public enum Reason {
    /** The value is not a JSON object of the expected shape (or not UTF-8, or empty). */
    MALFORMED_JSON,
    /** {@code id} is absent or blank. */
    MISSING_ID,
    /** {@code task} names no configured task, or another task than the topic's. */
    UNKNOWN_TASK,
    /** A labelled example has no {@code label}. */
    MISSING_LABEL,
    /** {@code label} is not in the task's label set. */
    UNKNOWN_LABEL,
    /** A text task's record has no text, or only white space. */
    EMPTY_TEXT,
    /** The text is longer than the task's {@code maxTextChars}. */
    TEXT_TOO_LONG,
    /** An image task's record has no image, or the image is not base64 of a decodable picture. */
    IMAGE_UNDECODABLE,
    /** The decoded image is larger than the task's {@code maxImageBytes}. */
    IMAGE_TOO_LARGE,
    /** No model version existed and the hold-back buffer was full (scoring). */
    NO_MODEL,
    /** The model failed on this record (scoring); the message says how. */
    SCORING_FAILED
}
