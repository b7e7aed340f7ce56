package io.streamtune.common.model;

import java.util.Locale;

/**
 * Weights a model version lays over (or gives to) its backbone, besides the head: a BitFit or LoRA
 * delta, full fine-tuned encoder weights, or a CNN's parameters. They are a
 * {@link TensorPack}; small ones travel inline in the model record, large ones in an
 * {@link ArtifactStore} that the record points to by URI. Either way {@code sha256} pins the exact
 * bytes, and a reader refuses bytes that do not match.
 *
 * @param format how the weights apply to the backbone
 * @param sha256 lower-case hex SHA-256 of the encoded pack
 * @param sizeBytes length of the encoded pack
 * @param inline the encoded pack when it travels in the record, else null
 * @param uri where the encoded pack is stored when it does not travel inline, else null
 */
public record WeightsRef(Format format, String sha256, long sizeBytes, byte[] inline, String uri) {

    /** How weights apply to a backbone. */
    public enum Format {
        /** Bias terms that replace the base encoder's. */
        BITFIT,
        /** Low-rank factors merged into the base encoder's matrices. */
        LORA,
        /** Every encoder weight, replacing the base encoder's. */
        FULL,
        /** The parameters of a CNN backbone (no base). */
        CNN;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException for an unknown name */
        public static Format fromWireName(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    public WeightsRef {
        if (format == null || sha256 == null || sha256.length() != 64) {
            throw new IllegalArgumentException(
                    "weights need a format and a 64-digit sha256, got " + format + " " + sha256);
        }
        if ((inline == null) == (uri == null)) {
            throw new IllegalArgumentException("weights travel either inline or by uri, not both and not neither");
        }
        if (sizeBytes < 0 || (inline != null && inline.length != sizeBytes)) {
            throw new IllegalArgumentException("weights size " + sizeBytes + " does not match the inline bytes");
        }
    }

    /** Weights that travel in the model record. */
    public static WeightsRef inline(Format format, byte[] encodedPack) {
        return new WeightsRef(
                format, io.streamtune.common.hash.Sha256.hex(encodedPack), encodedPack.length, encodedPack, null);
    }

    /** Weights stored at {@code uri}. */
    public static WeightsRef stored(Format format, String sha256, long sizeBytes, String uri) {
        return new WeightsRef(format, sha256, sizeBytes, null, uri);
    }

    public boolean isInline() {
        return inline != null;
    }

    @Override
    public byte[] inline() {
        return inline == null ? null : inline.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightsRef w
                && w.format == format
                && w.sha256.equals(sha256)
                && w.sizeBytes == sizeBytes
                && java.util.Objects.equals(w.uri, uri);
    }

    @Override
    public int hashCode() {
        return sha256.hashCode();
    }

    @Override
    public String toString() {
        return format.wireName() + " weights " + sha256.substring(0, 12) + " (" + sizeBytes + " bytes, "
                + (inline != null ? "inline" : uri) + ")";
    }
}
