package io.streamtune.common.event;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.streamtune.common.hash.Sha256;

/**
 * A rejected record on its way to {@code <task>.dlq}: the original key, value and headers plus
 * headers that say why and where it came from (the shape of Kafka's own dead-letter records).
 *
 * <pre>{@code
 * DeadLetter dl = DeadLetter.of(record, Reason.UNKNOWN_LABEL, "label 'great' is not in [negative, positive]", null,
 *         config.limits().recordBytes());
 * producer.send(dl.toProducerRecord(task.topics().dlq()));
 * }</pre>
 *
 * <h2>A dead letter always fits</h2>
 * Built with a size budget {@code maxBytes} (normally {@code limits.recordBytes}), a dead letter
 * is shaped once, here, for every service:
 * <ul>
 *   <li>when the original record (key + value + headers, {@link RecordParser#recordSize}) fits
 *       {@code maxBytes}, its key, value and headers are kept byte for byte; the reason headers
 *       come on top (at most about 5 KiB);</li>
 *   <li>otherwise the key is cut to {@value #MAX_KEY_BYTES} bytes, the original headers are kept
 *       in order up to {@value #MAX_ORIGINAL_HEADER_BYTES} bytes in total, and the value is cut
 *       (at a UTF-8 character boundary) to what is left, so that the whole dead letter, reason
 *       headers included, fits {@code maxBytes}. Headers then say so: {@link #ORIGINAL_SIZE} (the
 *       original value's bytes), {@link #ORIGINAL_SHA256} (hex SHA-256 of the full original value)
 *       and {@link #TRUNCATED} ({@code value}, {@code key}, {@code headers}, comma-separated:
 *       what was cut or dropped). If even that does not fit (a budget below about 8 KiB), the
 *       original headers, then the key, then the value are dropped whole.</li>
 * </ul>
 * The message header is capped at {@value #MAX_MESSAGE_CHARS} characters, the exception class at
 * {@value #MAX_EXCEPTION_CHARS}.
 */
public final class DeadLetter {
    public static final String REASON = "streamtune.error.reason";
    public static final String MESSAGE = "streamtune.error.message";
    public static final String EXCEPTION = "streamtune.error.exception";
    public static final String SOURCE_TOPIC = "streamtune.error.topic";
    public static final String SOURCE_PARTITION = "streamtune.error.partition";
    public static final String SOURCE_OFFSET = "streamtune.error.offset";
    /** Bytes of the original value, when the dead letter does not carry all of the original record. */
    public static final String ORIGINAL_SIZE = "streamtune.error.original.size";
    /** Hex SHA-256 of the full original value, when the dead letter does not carry all of the original record. */
    public static final String ORIGINAL_SHA256 = "streamtune.error.original.sha256";
    /** What was cut or dropped: {@code value}, {@code key}, {@code headers}, comma-separated. */
    public static final String TRUNCATED = "streamtune.error.truncated";

    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_ORIGINAL_HEADER_BYTES = 16 * 1024;
    public static final int MAX_MESSAGE_CHARS = 1000;
    public static final int MAX_EXCEPTION_CHARS = 300;

    private final String sourceTopic;
    private final int partition;
    private final long offset;
    private final byte[] key;
    private final byte[] value;
    private final Headers originalHeaders;
    private final Reason reason;
    private final String message;
    private final String exceptionClass;
    /** -1 when the dead letter carries the whole original record. */
    private final long originalValueSize;

    private final String originalValueSha256;
    private final List<String> truncated;

    /**
     * A dead letter of this source record, shaped to fit {@code maxBytes} (see the class comment).
     *
     * @param maxBytes the size budget, normally {@code limits.recordBytes}; must be positive
     */
    public DeadLetter(
            String sourceTopic,
            int partition,
            long offset,
            byte[] key,
            byte[] value,
            Headers originalHeaders,
            Reason reason,
            String message,
            String exceptionClass,
            int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("a dead letter needs a positive size budget, got " + maxBytes);
        }
        this.sourceTopic = sourceTopic;
        this.partition = partition;
        this.offset = offset;
        this.reason = reason;
        this.message = cap(message, MAX_MESSAGE_CHARS);
        this.exceptionClass = exceptionClass == null ? null : cap(exceptionClass, MAX_EXCEPTION_CHARS);
        Header[] original = originalHeaders == null ? new Header[0] : originalHeaders.toArray();
        if (RecordParser.recordSize(key, value, originalHeaders) <= maxBytes) {
            this.key = key == null ? null : key.clone();
            this.value = value == null ? null : value.clone();
            this.originalHeaders = new RecordHeaders(original);
            this.originalValueSize = -1;
            this.originalValueSha256 = null;
            this.truncated = List.of();
            return;
        }
        this.originalValueSize = value == null ? 0 : value.length;
        this.originalValueSha256 = value == null ? null : Sha256.hex(value);
        boolean keyCut = key != null && key.length > MAX_KEY_BYTES;
        byte[] k = keyCut ? utf8Prefix(key, MAX_KEY_BYTES) : key;
        List<Header> kept = new ArrayList<>();
        long keptBytes = 0;
        for (Header h : original) {
            long size = RecordParser.headersSize(new RecordHeaders(new Header[] {h}));
            if (keptBytes + size > MAX_ORIGINAL_HEADER_BYTES) {
                break;
            }
            kept.add(h);
            keptBytes += size;
        }
        boolean headersCut = kept.size() < original.length;
        // Size the reason headers as if everything were cut: the list can only get shorter.
        long ours = RecordParser.headersSize(ownHeaders(List.of("value", "key", "headers")));
        long room = maxBytes - ours - keptBytes - (k == null ? 0 : k.length);
        if (room < 0 && !kept.isEmpty()) {
            room += keptBytes;
            kept.clear();
            headersCut = true;
        }
        if (room < 0 && k != null && k.length > 0) {
            room += k.length;
            k = new byte[0];
            keyCut = true;
        }
        boolean valueCut = value != null && value.length > Math.max(room, 0);
        this.key = k == null ? null : k.clone();
        this.value = valueCut ? utf8Prefix(value, (int) Math.max(room, 0)) : value == null ? null : value.clone();
        this.originalHeaders = new RecordHeaders(kept.toArray(new Header[0]));
        List<String> cut = new ArrayList<>();
        if (valueCut) {
            cut.add("value");
        }
        if (keyCut) {
            cut.add("key");
        }
        if (headersCut) {
            cut.add("headers");
        }
        this.truncated = List.copyOf(cut);
    }

    /** Reads what is on a DLQ topic back, as it is (no shaping). */
    private DeadLetter(
            String sourceTopic,
            int partition,
            long offset,
            byte[] key,
            byte[] value,
            Reason reason,
            String message,
            String exceptionClass,
            long originalValueSize,
            String originalValueSha256,
            List<String> truncated) {
        this.sourceTopic = sourceTopic;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.value = value;
        this.originalHeaders = new RecordHeaders();
        this.reason = reason;
        this.message = message;
        this.exceptionClass = exceptionClass;
        this.originalValueSize = originalValueSize;
        this.originalValueSha256 = originalValueSha256;
        this.truncated = List.copyOf(truncated);
    }

    /** A dead letter of a consumed record, shaped to fit {@code maxBytes} (normally {@code limits.recordBytes}). */
    public static DeadLetter of(
            ConsumerRecord<byte[], byte[]> source, Reason reason, String message, Throwable error, int maxBytes) {
        return new DeadLetter(
                source.topic(),
                source.partition(),
                source.offset(),
                source.key(),
                source.value(),
                source.headers(),
                reason,
                message,
                error == null ? null : error.getClass().getName(),
                maxBytes);
    }

    /** The dead letter as a record for {@code dlqTopic}: key, value and headers as shaped, plus ours. */
    public ProducerRecord<byte[], byte[]> toProducerRecord(String dlqTopic) {
        return new ProducerRecord<>(dlqTopic, null, key(), value(), headers());
    }

    /** The original headers kept, then the reason headers. */
    public Headers headers() {
        RecordHeaders h = new RecordHeaders(originalHeaders.toArray());
        ownHeaders(truncated).forEach(h::add);
        return h;
    }

    private Headers ownHeaders(List<String> cut) {
        RecordHeaders h = new RecordHeaders();
        h.add(REASON, utf8(reason == null ? null : reason.name()));
        h.add(MESSAGE, utf8(message));
        if (exceptionClass != null) {
            h.add(EXCEPTION, utf8(exceptionClass));
        }
        h.add(SOURCE_TOPIC, utf8(sourceTopic));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        if (originalValueSize >= 0) {
            h.add(ORIGINAL_SIZE, utf8(Long.toString(originalValueSize)));
            if (originalValueSha256 != null) {
                h.add(ORIGINAL_SHA256, utf8(originalValueSha256));
            }
            h.add(TRUNCATED, utf8(String.join(",", cut)));
        }
        return h;
    }

    /** Reads the envelope back from a record on a DLQ topic. */
    public static DeadLetter fromDlqRecord(ConsumerRecord<byte[], byte[]> r) {
        Headers h = r.headers();
        String partition = header(h, SOURCE_PARTITION);
        String offset = header(h, SOURCE_OFFSET);
        String reason = header(h, REASON);
        String size = header(h, ORIGINAL_SIZE);
        String cut = header(h, TRUNCATED);
        return new DeadLetter(
                header(h, SOURCE_TOPIC),
                partition == null ? -1 : Integer.parseInt(partition),
                offset == null ? -1 : Long.parseLong(offset),
                r.key(),
                r.value(),
                reason == null ? null : Reason.valueOf(reason),
                header(h, MESSAGE),
                header(h, EXCEPTION),
                size == null ? -1 : Long.parseLong(size),
                header(h, ORIGINAL_SHA256),
                cut == null || cut.isEmpty() ? List.of() : List.of(cut.split(",")));
    }

    /** The last value of a header as UTF-8, or null. */
    public static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }

    /** At most {@code max} characters (code points), never half a surrogate pair; "..." marks a cut. */
    private static String cap(String s, int max) {
        if (s == null || s.codePointCount(0, s.length()) <= max) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, max - 3)) + "...";
    }

    /** The first {@code max} bytes or fewer, not ending inside a UTF-8 multi-byte sequence. */
    private static byte[] utf8Prefix(byte[] b, int max) {
        if (b.length <= max) {
            return b.clone();
        }
        int end = max;
        // Step back over continuation bytes (10xxxxxx) so the cut falls before a character's first byte.
        for (int i = 0; i < 3 && end > 0 && (b[end] & 0xC0) == 0x80; i++) {
            end--;
        }
        return Arrays.copyOf(b, end);
    }

    public String sourceTopic() {
        return sourceTopic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    /** The key as the dead letter carries it (cut when the record did not fit). */
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** The value as the dead letter carries it (cut when the record did not fit). */
    public byte[] value() {
        return value == null ? null : value.clone();
    }

    public Reason reason() {
        return reason;
    }

    public String message() {
        return message;
    }

    public String exceptionClass() {
        return exceptionClass;
    }

    /** Bytes of the original value when this dead letter does not carry the whole record, else -1. */
    public long originalValueSize() {
        return originalValueSize;
    }

    /** What was cut or dropped ({@code value}, {@code key}, {@code headers}); empty when nothing was. */
    public List<String> truncated() {
        return truncated;
    }

    @Override
    public String toString() {
        return reason + " at " + sourceTopic + "-" + partition + "@" + offset + ": " + message
                + " (value " + (value == null ? "null" : value.length + " bytes")
                + (truncated.isEmpty() ? "" : " of " + originalValueSize + ", cut: " + String.join(",", truncated))
                + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d
                && d.partition == partition
                && d.offset == offset
                && d.reason == reason
                && Objects.equals(d.sourceTopic, sourceTopic)
                && Objects.equals(d.message, message)
                && Arrays.equals(d.value, value)
                && Arrays.equals(d.key, key)
                && d.truncated.equals(truncated);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sourceTopic, partition, offset, reason, message, Arrays.hashCode(value));
    }
}
