package io.streamtune.common.event;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import io.streamtune.common.hash.Sha256;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dead letters always fit the record limit, and say what they had to leave out. */
class DeadLetterTest {
    private static final int LIMIT = 1 << 20;

    private static long size(ProducerRecord<byte[], byte[]> r) {
        return RecordParser.recordSize(r.key(), r.value(), r.headers());
    }

    private static byte[] json(int bytes) {
        byte[] v = new byte[bytes];
        Arrays.fill(v, (byte) 'x');
        byte[] head = "{\"id\":\"big-1\",\"text\":\"Shares rally\",\"pad\":\"".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, v, 0, head.length);
        v[bytes - 2] = '"';
        v[bytes - 1] = '}';
        return v;
    }

    private static ConsumerRecord<byte[], byte[]> consumed(byte[] key, byte[] value, RecordHeaders headers) {
        int keySize = key == null ? 0 : key.length;
        return new ConsumerRecord<>(
                "reviews.events",
                2,
                41,
                0L,
                TimestampType.CREATE_TIME,
                keySize,
                value.length,
                key,
                value,
                headers,
                Optional.empty());
    }

    @Test
    void shouldShapeATwoMiBValueIntoADeadLetterThatFitsTheLimitWithTheOriginalSizeAndHash() {
        byte[] value = json(2 * 1024 * 1024);
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace-id", "t-42".getBytes(StandardCharsets.UTF_8));
        DeadLetter dl = DeadLetter.of(
                consumed("big-1".getBytes(StandardCharsets.UTF_8), value, headers),
                Reason.RECORD_TOO_LARGE,
                "record of 2097152 bytes is over limits.recordBytes 1048576",
                null,
                LIMIT);

        ProducerRecord<byte[], byte[]> out = dl.toProducerRecord("reviews.dlq");
        assertTrue(size(out) <= LIMIT, "the dead letter fits the limit: " + size(out));
        assertTrue(size(out) > LIMIT - 8 * 1024, "and keeps as much of the value as fits: " + size(out));
        assertEquals(Long.toString(value.length), DeadLetter.header(out.headers(), DeadLetter.ORIGINAL_SIZE));
        assertEquals(Sha256.hex(value), DeadLetter.header(out.headers(), DeadLetter.ORIGINAL_SHA256));
        assertEquals("value", DeadLetter.header(out.headers(), DeadLetter.TRUNCATED));
        assertArrayEquals(
                Arrays.copyOf(value, out.value().length), out.value(), "the value kept is the original's start");
        assertArrayEquals("big-1".getBytes(StandardCharsets.UTF_8), out.key(), "a short key is kept");
        assertEquals("t-42", DeadLetter.header(out.headers(), "trace-id"), "small original headers are kept");
        assertEquals("RECORD_TOO_LARGE", DeadLetter.header(out.headers(), DeadLetter.REASON));
        assertEquals("reviews.events", DeadLetter.header(out.headers(), DeadLetter.SOURCE_TOPIC));
        assertEquals("2", DeadLetter.header(out.headers(), DeadLetter.SOURCE_PARTITION));
        assertEquals("41", DeadLetter.header(out.headers(), DeadLetter.SOURCE_OFFSET));

        DeadLetter back = DeadLetter.fromDlqRecord(new ConsumerRecord<>(
                "reviews.dlq",
                0,
                0,
                0L,
                TimestampType.CREATE_TIME,
                out.key().length,
                out.value().length,
                out.key(),
                out.value(),
                out.headers(),
                Optional.empty()));
        assertEquals(value.length, back.originalValueSize());
        assertEquals(List.of("value"), back.truncated());
        assertEquals(dl, back);
    }

    @Test
    void shouldKeepARecordThatFitsByteForByte() {
        byte[] value = json(LIMIT - 100);
        byte[] key = "k-1".getBytes(StandardCharsets.UTF_8);
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace-id", "t-1".getBytes(StandardCharsets.UTF_8));
        headers.add("source", new byte[] {1, 2, 3});
        DeadLetter dl = DeadLetter.of(
                consumed(key, value, headers), Reason.UNKNOWN_LABEL, "label 'great' is unknown", null, LIMIT);

        ProducerRecord<byte[], byte[]> out = dl.toProducerRecord("reviews.dlq");
        assertArrayEquals(value, out.value());
        assertArrayEquals(key, out.key());
        Header[] all = out.headers().toArray();
        assertEquals("trace-id", all[0].key());
        assertArrayEquals("t-1".getBytes(StandardCharsets.UTF_8), all[0].value());
        assertEquals("source", all[1].key());
        assertArrayEquals(new byte[] {1, 2, 3}, all[1].value());
        assertNull(out.headers().lastHeader(DeadLetter.ORIGINAL_SIZE), "nothing was cut, so no size header");
        assertNull(out.headers().lastHeader(DeadLetter.TRUNCATED));
        assertTrue(dl.truncated().isEmpty());
        assertEquals(-1, dl.originalValueSize());
    }

    @Test
    void shouldCutALongKeyAndOriginalHeadersBeyondSixteenKiB() {
        byte[] key = new byte[5_000];
        Arrays.fill(key, (byte) 'k');
        RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < 20; i++) {
            headers.add("h" + i, new byte[1_000]);
        }
        byte[] value = json(3 * 1024 * 1024);
        DeadLetter dl = DeadLetter.of(consumed(key, value, headers), Reason.RECORD_TOO_LARGE, "too large", null, LIMIT);

        ProducerRecord<byte[], byte[]> out = dl.toProducerRecord("reviews.dlq");
        assertTrue(size(out) <= LIMIT, "fits: " + size(out));
        assertEquals(DeadLetter.MAX_KEY_BYTES, out.key().length);
        long kept = Arrays.stream(out.headers().toArray())
                .filter(h -> h.key().startsWith("h"))
                .count();
        assertEquals(16, kept, "original headers in order up to 16 KiB");
        assertEquals("value,key,headers", DeadLetter.header(out.headers(), DeadLetter.TRUNCATED));
    }

    @Test
    void shouldKeepTheValueWhenOnlyTheHeadersMadeTheRecordTooLarge() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("huge", new byte[2 * LIMIT]);
        headers.add("trace-id", "t-9".getBytes(StandardCharsets.UTF_8));
        byte[] value = json(10_000);
        DeadLetter dl =
                DeadLetter.of(consumed(null, value, headers), Reason.RECORD_TOO_LARGE, "too large", null, LIMIT);

        ProducerRecord<byte[], byte[]> out = dl.toProducerRecord("reviews.dlq");
        assertArrayEquals(value, out.value());
        assertNull(out.headers().lastHeader("huge"));
        assertNull(out.headers().lastHeader("trace-id"), "headers after the first that does not fit are dropped too");
        assertEquals("headers", DeadLetter.header(out.headers(), DeadLetter.TRUNCATED));
        assertEquals(Sha256.hex(value), DeadLetter.header(out.headers(), DeadLetter.ORIGINAL_SHA256));
    }

    @Test
    void shouldCapTheMessageAndCutTheValueAtACharacterBoundary() {
        byte[] value = "\u00e9".repeat(LIMIT).getBytes(StandardCharsets.UTF_8); // two bytes per character
        DeadLetter dl = new DeadLetter(
                "reviews.events",
                0,
                7,
                null,
                value,
                null,
                Reason.RECORD_TOO_LARGE,
                "m".repeat(5_000),
                "x.y.SomeException",
                LIMIT);

        ProducerRecord<byte[], byte[]> out = dl.toProducerRecord("reviews.dlq");
        assertTrue(size(out) <= LIMIT);
        String message = DeadLetter.header(out.headers(), DeadLetter.MESSAGE);
        assertEquals(DeadLetter.MAX_MESSAGE_CHARS, message.length());
        assertTrue(message.endsWith("..."), message.substring(990));
        assertEquals(-1, UnicodeText.firstInvalidUtf8(out.value()), "the cut value is still UTF-8 text");
    }

    @Test
    void shouldFitEvenASmallBudgetByDroppingHeadersThenKey() {
        byte[] key = new byte[900];
        RecordHeaders headers = new RecordHeaders();
        headers.add("a", new byte[6_000]);
        byte[] value = new byte[50_000];
        new Random(1).nextBytes(value);
        int budget = 8 * 1024;
        DeadLetter dl =
                DeadLetter.of(consumed(key, value, headers), Reason.MALFORMED_JSON, "e".repeat(2_000), null, budget);

        ProducerRecord<byte[], byte[]> out = dl.toProducerRecord("reviews.dlq");
        assertTrue(size(out) <= budget, "fits " + budget + ": " + size(out));
        assertEquals(Sha256.hex(value), DeadLetter.header(out.headers(), DeadLetter.ORIGINAL_SHA256));
        assertTrue(
                dl.truncated().contains("value") && dl.truncated().contains("headers"),
                dl.truncated().toString());
    }
}
