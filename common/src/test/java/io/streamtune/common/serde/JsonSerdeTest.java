package io.streamtune.common.serde;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Event;
import io.streamtune.common.event.Example;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.event.Reason;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonSerdeTest {

    private static <T> T roundTrip(T value, Class<T> type) {
        JsonSerde<T> serde = JsonSerde.of(type);
        return serde.deserializer().deserialize("t", serde.serializer().serialize("t", value));
    }

    @Test
    void shouldRoundTripEveryRecordType() {
        Example ex = new Example("e1", "reviews", "good", null, "positive", 17L, Map.of("source", "web"));
        assertEquals(ex, roundTrip(ex, Example.class));
        Event ev = new Event("e2", "pics", null, "aGVsbG8=", 18L, Map.of());
        assertEquals(ev, roundTrip(ev, Event.class));
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("negative", 0.1);
        scores.put("positive", 0.9);
        Prediction p = new Prediction("e1", "reviews", "positive", scores, 3, 17L, 12.5, Map.of("entity", "ACME"));
        Prediction back = roundTrip(p, Prediction.class);
        assertEquals(p, back);
        assertEquals(
                List.of("negative", "positive"),
                List.copyOf(back.scores().keySet()),
                "score order follows the label order");
    }

    @Test
    void shouldLeaveNullFieldsOutAndIgnoreUnknownOnes() throws Exception {
        String json = Json.writeString(new Event("e", "t", "x", null, 0, Map.of()));
        assertEquals(false, json.contains("image"), json);
        Event e = Json.read("{\"id\":\"e\",\"text\":\"x\",\"future\":1}".getBytes(), Event.class);
        assertEquals("x", e.text());
    }

    @Test
    void shouldNameTheTopicWhenATrustedRecordIsUnreadable() {
        SerializationException e = assertThrows(
                SerializationException.class,
                () -> JsonSerde.of(Prediction.class)
                        .deserializer()
                        .deserialize("reviews.predictions", "{oops".getBytes()));
        assertEquals(true, e.getMessage().contains("reviews.predictions"), e.getMessage());
    }

    @Test
    void shouldKeepOriginalBytesAndHeadersInADeadLetter() {
        RecordHeaders original = new RecordHeaders();
        original.add("trace", "abc".getBytes());
        ConsumerRecord<byte[], byte[]> src = new ConsumerRecord<>(
                "reviews.events",
                2,
                41L,
                0L,
                TimestampType.CREATE_TIME,
                1,
                5,
                "k".getBytes(),
                "{bad".getBytes(),
                original,
                java.util.Optional.empty());
        DeadLetter dl =
                DeadLetter.of(src, Reason.MALFORMED_JSON, "not valid JSON", new IllegalStateException(), 1 << 20);
        var out = dl.toProducerRecord("reviews.dlq");
        assertEquals("reviews.dlq", out.topic());
        assertEquals("{bad", new String(out.value()));
        assertEquals("abc", DeadLetter.header(out.headers(), "trace"));
        assertEquals("MALFORMED_JSON", DeadLetter.header(out.headers(), DeadLetter.REASON));
        assertEquals("reviews.events", DeadLetter.header(out.headers(), DeadLetter.SOURCE_TOPIC));
        assertEquals("2", DeadLetter.header(out.headers(), DeadLetter.SOURCE_PARTITION));
        assertEquals("41", DeadLetter.header(out.headers(), DeadLetter.SOURCE_OFFSET));
        assertEquals(IllegalStateException.class.getName(), DeadLetter.header(out.headers(), DeadLetter.EXCEPTION));

        ConsumerRecord<byte[], byte[]> onDlq = new ConsumerRecord<>(
                "reviews.dlq",
                0,
                0L,
                0L,
                TimestampType.CREATE_TIME,
                1,
                4,
                out.key(),
                out.value(),
                out.headers(),
                java.util.Optional.empty());
        assertEquals(dl, DeadLetter.fromDlqRecord(onDlq));
    }
}
