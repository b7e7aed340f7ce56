package io.streamtune.common.serde;

import java.io.IOException;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka serde for one of streamtune's record types.
 *
 * <pre>{@code
 * Serde<Prediction> serde = JsonSerde.of(Prediction.class);
 * }</pre>
 *
 * <p>Services that must not crash on bad input consume bytes and parse with
 * {@link io.streamtune.common.event.RecordParser} instead; this serde is for trusted records
 * (our own outputs) and for clients such as {@code streamtune tail}.
 */
public final class JsonSerde<T> implements Serde<T> {
    private final Class<T> type;

    private JsonSerde(Class<T> type) {
        this.type = type;
    }

    public static <T> JsonSerde<T> of(Class<T> type) {
        return new JsonSerde<>(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : Json.write(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return Json.read(bytes, type);
            } catch (IOException e) {
                throw new SerializationException(
                        "cannot read a " + type.getSimpleName() + " from topic " + topic + ": " + e.getMessage(), e);
            }
        };
    }
}
