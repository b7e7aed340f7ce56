package io.streamtune.common.event;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A rejected record on its way to {@code <task>.dlq}: the original key, value and headers,
 * unchanged, plus headers that say why and where it came from (the shape of Kafka's own
 * dead-letter records).
 *
 * <pre>{@code
 * DeadLetter dl = DeadLetter.of(record, Reason.UNKNOWN_LABEL, "label 'great' is not in [negative, positive]", null);
 * producer.send(dl.toProducerRecord(task.topics().dlq()));
 * }</pre>
 */
public final class DeadLetter {
    public static final String REASON = "streamtune.error.reason";
    public static final String MESSAGE = "streamtune.error.message";
    public static final String EXCEPTION = "streamtune.error.exception";
    public static final String SOURCE_TOPIC = "streamtune.error.topic";
    public static final String SOURCE_PARTITION = "streamtune.error.partition";
    public static final String SOURCE_OFFSET = "streamtune.error.offset";

    private final String sourceTopic;
    private final int partition;
    private final long offset;
    private final byte[] key;
    private final byte[] value;
    private final Headers originalHeaders;
    private final Reason reason;
    private final String message;
    private final String exceptionClass;

    public DeadLetter(String sourceTopic, int partition, long offset, byte[] key, byte[] value, Headers originalHeaders,
                      Reason reason, String message, String exceptionClass) {
        this.sourceTopic = sourceTopic;
        this.partition = partition;
        this.offset = offset;
        this.key = key == null ? null : key.clone();
        this.value = value == null ? null : value.clone();
        this.originalHeaders = new RecordHeaders(originalHeaders == null ? new Header[0] : originalHeaders.toArray());
        this.reason = reason;
        this.message = message;
        this.exceptionClass = exceptionClass;
    }

    public static DeadLetter of(ConsumerRecord<byte[], byte[]> source, Reason reason, String message, Throwable error) {
        return new DeadLetter(source.topic(), source.partition(), source.offset(), source.key(), source.value(),
                source.headers(), reason, message, error == null ? null : error.getClass().getName());
    }

    /** The dead letter as a record for {@code dlqTopic}: original key and value, original headers plus ours. */
    public ProducerRecord<byte[], byte[]> toProducerRecord(String dlqTopic) {
        return new ProducerRecord<>(dlqTopic, null, key, value, headers());
    }

    public Headers headers() {
        RecordHeaders h = new RecordHeaders(originalHeaders.toArray());
        h.add(REASON, utf8(reason.name()));
        h.add(MESSAGE, utf8(message));
        if (exceptionClass != null) {
            h.add(EXCEPTION, utf8(exceptionClass));
        }
        h.add(SOURCE_TOPIC, utf8(sourceTopic));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return h;
    }

    /** Reads the envelope back from a record on a DLQ topic. */
    public static DeadLetter fromDlqRecord(ConsumerRecord<byte[], byte[]> r) {
        Headers h = r.headers();
        String partition = header(h, SOURCE_PARTITION);
        String offset = header(h, SOURCE_OFFSET);
        String reason = header(h, REASON);
        return new DeadLetter(header(h, SOURCE_TOPIC), partition == null ? -1 : Integer.parseInt(partition),
                offset == null ? -1 : Long.parseLong(offset), r.key(), r.value(), null,
                reason == null ? null : Reason.valueOf(reason), header(h, MESSAGE), header(h, EXCEPTION));
    }

    /** The last value of a header as UTF-8, or null. */
    public static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
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

    public byte[] key() {
        return key == null ? null : key.clone();
    }

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

    @Override
    public String toString() {
        return reason + " at " + sourceTopic + "-" + partition + "@" + offset + ": " + message
                + " (value " + (value == null ? "null" : value.length + " bytes") + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d && d.partition == partition && d.offset == offset && d.reason == reason
                && java.util.Objects.equals(d.sourceTopic, sourceTopic) && java.util.Objects.equals(d.message, message)
                && Arrays.equals(d.value, value) && Arrays.equals(d.key, key);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(sourceTopic, partition, offset, reason, message, Arrays.hashCode(value));
    }
}
