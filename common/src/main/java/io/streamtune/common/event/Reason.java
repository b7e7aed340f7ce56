package io.streamtune.common.event;

/**
 * Why a record was sent to the dead-letter topic. The code travels in the
 * {@link DeadLetter#REASON} header; the list is part of the public contract (README, "Dead letters").
 */
public enum Reason {
    /** The record (key + value + headers) is larger than {@code limits.recordBytes}. */
    RECORD_TOO_LARGE,
    /**
     * The value is not exactly one JSON object of the expected shape: not UTF-8 text, empty, not
     * JSON, content after the object, a repeated field, a lone surrogate, or a field of the wrong
     * type (the message names it).
     */
    MALFORMED_JSON,
    /** {@code id} is absent or blank. */
    MISSING_ID,
    /** {@code task} names no configured task, or another task than the topic's. */
    UNKNOWN_TASK,
    /** A labelled example has no {@code label}. */
    MISSING_LABEL,
    /** {@code label} is not in the task's label set. */
    UNKNOWN_LABEL,
    /** A text task's record has no text, or no visible character in it (see {@link UnicodeText}). */
    EMPTY_TEXT,
    /** The text has more characters (Unicode code points) than the task's {@code maxTextChars}. */
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
