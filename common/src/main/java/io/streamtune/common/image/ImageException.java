package io.streamtune.common.image;

/**
 * Bytes that cannot become an image tensor. {@link #defect()} says what was wrong and the
 * message says it in words, naming sizes and formats where known.
 *
 * <p>Every defect is bad input, not a fault of the service: a service sends the record to its
 * dead-letter topic with reason {@code IMAGE_UNDECODABLE} (see {@code common.event.Reason}) and
 * this message. The mapping is the caller's, so this package depends on no other.
 *
 * <p>Checked: the caller can act (dead-letter the record, skip a file).
 */
public final class ImageException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What was wrong with the bytes. */
    public enum Defect {
        /** The text of the record's {@code image} field is not base64. */
        NOT_BASE64,
        /** No bytes, or bytes of no format ImageIO reads (PNG, JPEG, GIF, BMP). */
        NOT_AN_IMAGE,
        /** The bytes end before the image does. */
        TRUNCATED,
        /** The format is known but the data inside is damaged or unsupported (e.g. a CMYK JPEG). */
        CORRUPT,
        /** The header declares a width or height of 0. */
        ZERO_SIZE,
        /**
         * The header declares more pixels than allowed: refused before decoding, so a small
         * compressed file cannot expand into gigabytes (a decompression bomb).
         */
        TOO_MANY_PIXELS
    }

    private final Defect defect;

    public ImageException(Defect defect, String message) {
        super(message);
        this.defect = defect;
    }

    public ImageException(Defect defect, String message, Throwable cause) {
        super(message, cause);
        this.defect = defect;
    }

    public Defect defect() {
        return defect;
    }
}
