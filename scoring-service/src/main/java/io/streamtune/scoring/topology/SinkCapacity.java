package io.streamtune.scoring.topology;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.producer.ProducerRecord;

import io.streamtune.common.config.Limits;
import io.streamtune.common.event.RecordParser;

/**
 * How large a record each topic the scorer writes can take, learned from refusals: the defence
 * in depth behind the record limit, for topics whose {@code max.message.bytes} is below what the
 * topic layout sets (created by hand or before the limit existed, or on a broker with a smaller
 * {@code message.max.bytes}).
 *
 * <p>Why learning, not resuming: under exactly_once_v2 a refused write cannot be skipped. The
 * producer moves its transaction to an abortable error state after a {@code RecordTooLargeException}
 * (Kafka 4.3.1, {@code TransactionManager.maybeTransitionToErrorState}), so whatever the production
 * exception handler answers ({@code Response.resume}, with or without dead-letter records, as
 * KIP-1034 offers), the commit fails, the stream thread is replaced and the same record is
 * processed again. Instead the handler records the refusal here, and the processor, processing the
 * record again, stays under what the topic took: dead letters are shaped to {@link #budget}, a
 * prediction or buffered event that does not {@link #fits fit} is dead-lettered
 * ({@code RECORD_TOO_LARGE}). One refusal costs one replaced stream thread, not all of them.
 *
 * <p>After a topic refused a record of S bytes, it is assumed to take at most S / 2 (halving
 * again on each further refusal, never below {@value #FLOOR_BYTES}); topics never refused take up to
 * {@code limits.recordBytes}. What is learned lasts until the service restarts. Thread-safe: the
 * handler runs on producer threads, the processors on stream threads.
 */
public final class SinkCapacity {
    /** The smallest budget: a dead letter with its value, key and original headers dropped fits it. */
    static final int FLOOR_BYTES = 8 << 10;

    private final int recordBytes;
    private final Map<String, Integer> learned = new ConcurrentHashMap<>();

    public SinkCapacity(Limits limits) {
        this.recordBytes = limits.recordBytes();
    }

    /** Records that {@code topic} refused a record of {@code bytes} bytes; returns the topic's new budget. */
    public int refused(String topic, long bytes) {
        int half = (int) Math.max(FLOOR_BYTES, Math.min(Integer.MAX_VALUE, bytes / 2));
        return learned.merge(topic, Math.min(half, recordBytes), Math::min);
    }

    /** As {@link #refused(String, long)}, with the size of this serialised record. */
    public int refused(ProducerRecord<byte[], byte[]> record) {
        return refused(record.topic(), RecordParser.recordSize(record.key(), record.value(), record.headers()));
    }

    /** The largest record (key + value + headers) to write to {@code topic}: a dead letter's size budget. */
    public int budget(String topic) {
        Integer b = learned.get(topic);
        return b == null ? recordBytes : b;
    }

    /**
     * Whether a record of {@code bytes} bytes can go to {@code topic}: always, unless the topic
     * refused a record before and this one is over the learned budget.
     */
    public boolean fits(String topic, long bytes) {
        Integer b = learned.get(topic);
        return b == null || bytes <= b;
    }

    /** True when some topic refused a record since start. */
    public boolean learnedAny() {
        return !learned.isEmpty();
    }
}
