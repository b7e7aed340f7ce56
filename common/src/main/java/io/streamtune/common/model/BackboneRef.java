package io.streamtune.common.model;

import io.streamtune.common.hash.Sha256;

/**
 * Everything that decides a backbone's output, as a model version records it, so that the trainer,
 * the scorer and {@code evaluate} open exactly the same backbone (no train/serve skew).
 *
 * <pre>{@code
 * BackboneRef frozen = BackboneRef.text("all-minilm-l6-v2", encoder.checksum(), 128, null);
 * BackboneRef tuned = frozen.withWeights(WeightsRef.inline(WeightsRef.Format.LORA, pack.encode()));
 * frozen.key().equals(tuned.key());   // false: different weights, different output
 * }</pre>
 *
 * @param kind text encoder or image CNN
 * @param id encoder id (e.g. {@code all-minilm-l6-v2}) or CNN architecture id (e.g. {@code resnet-20})
 * @param baseSha256 SHA-256 of the pretrained base weights the version builds on (the encoder's ONNX
 *     file); empty when there is no pretrained base (a CNN trained from scratch)
 * @param maxSequenceLength tokens a text is truncated to; 0 for images, and in version-1 artifacts
 *     (which did not record it: the task's configured length applies)
 * @param weights weights besides the head (delta or full), or null for a frozen pretrained backbone
 */
public record BackboneRef(BackboneKind kind, String id, String baseSha256, int maxSequenceLength, WeightsRef weights) {

    public BackboneRef {
        if (kind == null || id == null || id.isBlank() || baseSha256 == null) {
            throw new IllegalArgumentException("a backbone needs a kind, an id and a base checksum (may be empty)");
        }
        if (maxSequenceLength < 0) {
            throw new IllegalArgumentException("maxSequenceLength must be >= 0, got " + maxSequenceLength);
        }
    }

    /** A text encoder backbone. */
    public static BackboneRef text(String encoderId, String baseSha256, int maxSequenceLength, WeightsRef weights) {
        return new BackboneRef(BackboneKind.TEXT_ENCODER, encoderId, baseSha256, maxSequenceLength, weights);
    }

    /** The same backbone with other weights (null: the frozen base). */
    public BackboneRef withWeights(WeightsRef newWeights) {
        return new BackboneRef(kind, id, baseSha256, maxSequenceLength, newWeights);
    }

    /** The same backbone with another truncation length. */
    public BackboneRef withMaxSequenceLength(int length) {
        return new BackboneRef(kind, id, baseSha256, length, weights);
    }

    /** Whether the version brings its own weights. */
    public boolean isTuned() {
        return weights != null;
    }

    /** The identity backbones are opened and shared by: two refs with equal keys give equal outputs. */
    public Key key() {
        return new Key(kind, id, baseSha256, maxSequenceLength, weights == null ? "" : weights.sha256());
    }

    /**
     * The identity of a backbone's output.
     *
     * @param weightsSha256 SHA-256 of the weights laid over the base, empty for none
     */
    public record Key(BackboneKind kind, String id, String baseSha256, int maxSequenceLength, String weightsSha256) {
        /** One checksum for everything that decides the output: what embeddings are cached under. */
        public String checksum() {
            return Sha256.hex(
                    kind.wireName() + "|" + id + "|" + baseSha256 + "|" + maxSequenceLength + "|" + weightsSha256);
        }

        @Override
        public String toString() {
            return id
                    + (maxSequenceLength > 0 ? "@" + maxSequenceLength : "")
                    + (weightsSha256.isEmpty() ? "" : "+" + weightsSha256.substring(0, 12));
        }
    }
}
