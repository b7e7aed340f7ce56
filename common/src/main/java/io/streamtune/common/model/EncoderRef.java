package io.streamtune.common.model;

/**
 * Reference to a fine-tuned encoder stored outside the artifact (tier 2): too large for a
 * Kafka record, so the artifact pins it by location and content hash.
 *
 * @param uri where the encoder weights are stored
 * @param sha256 lower-case hex SHA-256 of those bytes
 */
public record EncoderRef(String uri, String sha256) {}
