package io.streamtune.common.event;

/**
 * How far {@link RecordParser} checks the picture of an image record before accepting it. Both levels
 * check that {@code image} is base64 (RFC 4648, strict alphabet), at most the task's {@code maxImageBytes},
 * in a format ImageIO reads, and that its header declares a width and height of at least 1 and at most
 * {@code image.maxPixels} pixels; they differ in whether the pixels are decoded.
 *
 * <pre>{@code
 * RecordParser scorer = RecordParser.of(config, ImageValidation.HEADER);   // stream thread: bounded work
 * RecordParser trainer = RecordParser.of(config);                          // DECODE, the default
 * }</pre>
 */
public enum ImageValidation {
    /**
     * The checks above and nothing more: the cost is bounded by the header, whatever the picture (no
     * pixel is decoded). For a caller that decodes the picture anyway and can dead-letter it then: the
     * scorer, whose encoder worker decodes each picture once and dead-letters one that fails
     * ({@link Reason#IMAGE_UNDECODABLE}, e.g. a truncated or damaged data stream behind a valid header).
     */
    HEADER,
    /**
     * The checks above, then a full decode in which a decoder warning is a failure (a truncated JPEG is
     * refused instead of read as a grey-filled picture). For callers that must know at once that a record
     * is usable: the trainer (an example that fails later would spoil a training window) and
     * {@code produce}.
     */
    DECODE
}
