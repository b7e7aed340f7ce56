package io.streamtune.common.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which precisions of each shipped text encoder exist, as encoder ids: the fp32 export and, where one
 * ships, its int8 export ({@code all-minilm-l6-v2} and {@code all-minilm-l6-v2-q}). Configuration resolves
 * {@code encoder: {id, precision}} to one id through this table, so the id a task opens, a backbone is
 * shared by and a model version records already carries the precision.
 *
 * <p>It lives beside the settings rather than in {@code common.nlp} (which opens the encoders) because
 * reading a configuration must not depend on the encoders' code; {@code EncodersTest} checks that every id
 * named here is one {@code Encoders} opens.
 */
public final class EncoderPrecisions {

    /** The int8 export of each fp32 encoder that has one (there is none of bge-small-zh-v1.5 on Maven Central). */
    private static final Map<String, String> INT8_OF =
            Map.of("all-minilm-l6-v2", "all-minilm-l6-v2-q", "bge-small-en-v1.5", "bge-small-en-v1.5-q");

    private EncoderPrecisions() {}

    /**
     * The id of {@code encoderId} at a precision: the id itself at its own precision, its int8 export for
     * {@link Precision#INT8}, the fp32 original of an int8 id for {@link Precision#FP32}; empty when that
     * precision of the encoder does not ship (int8 of bge-small-zh-v1.5, or of an id this table does not know).
     */
    public static Optional<String> atPrecision(String encoderId, Precision precision) {
        if (precisionOf(encoderId) == precision) {
            return Optional.ofNullable(encoderId);
        }
        if (precision == Precision.INT8) {
            return Optional.ofNullable(INT8_OF.get(encoderId));
        }
        return INT8_OF.entrySet().stream()
                .filter(e -> e.getValue().equals(encoderId))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    /** The precision of an encoder id: {@link Precision#INT8} for the int8 exports, else {@link Precision#FP32}. */
    public static Precision precisionOf(String encoderId) {
        return INT8_OF.containsValue(encoderId) ? Precision.INT8 : Precision.FP32;
    }

    /** The fp32 encoders that have an int8 export, in a stable order. */
    public static List<String> withInt8() {
        return INT8_OF.keySet().stream().sorted().toList();
    }

    /** Every id this table names (fp32 originals and their int8 exports), sorted. */
    public static List<String> ids() {
        return INT8_OF.entrySet().stream()
                .flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue()))
                .sorted()
                .toList();
    }
}
