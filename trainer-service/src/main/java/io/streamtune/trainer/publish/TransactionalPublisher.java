package io.streamtune.trainer.publish;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.Limits;
import io.streamtune.common.kafka.KafkaClients;

/**
 * The trainer's one transactional producer. Each call to {@link #commit} writes a model version,
 * its audit event and the dead letters of the records passed, together with the consumer offsets
 * that pass them, in one Kafka transaction: all of it becomes visible to read_committed readers,
 * or none of it (guarantee 1).
 *
 * <p>{@link #init()} registers the transactional id; the broker then fences any older producer
 * with the same id (a zombie of a trainer that was restarted) and aborts its open transaction.
 *
 * <pre>{@code
 * try (TransactionalPublisher p = new TransactionalPublisher(clients, "streamtune-trainer-reviews")) {
 *     p.init();
 *     p.commit(List.of(ModelRecords.model(artifact), ModelRecords.event(event)), offsets, consumer.groupMetadata());
 * }
 * }</pre>
 *
 * <p>Any failure is thrown as {@link PublishException} after aborting what can be aborted. A
 * {@linkplain PublishException#fatal() fatal} one (fenced by a newer instance, not authorised) means
 * this publisher must stop; any other (broker down, timeouts, leader moves) may be retried with the
 * same records and offsets on a new publisher.
 */
public final class TransactionalPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionalPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final String transactionalId;
    private boolean inTransaction;
    private boolean fenced;

    public TransactionalPublisher(KafkaClients clients, String transactionalId) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // A model of up to 16 MiB plus record and batch overhead; dead letters (limits.recordBytes + 5 KiB) fit too.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Limits.modelWriteBytes()));
        if (!clients.properties().containsKey(ProducerConfig.COMPRESSION_TYPE_CONFIG)) {
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        }
        this.producer = clients.producer(p);
        this.transactionalId = transactionalId;
    }

    /** Over a producer built elsewhere with {@code transactional.id} set (tests pass a {@code MockProducer}). */
    public TransactionalPublisher(Producer<byte[], byte[]> producer, String transactionalId) {
        this.producer = producer;
        this.transactionalId = transactionalId;
    }

    /** Registers the transactional id, fencing older producers that share it. */
    public void init() {
        producer.initTransactions();
    }

    public void commit(
            List<ProducerRecord<byte[], byte[]>> records,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            ConsumerGroupMetadata group) {
        commit(records, offsets, group, () -> {});
    }

    /** As {@link #commit(List, Map, ConsumerGroupMetadata)}, running {@code beforeCommit} just before the commit (tests inject crashes there). */
    public void commit(
            List<ProducerRecord<byte[], byte[]>> records,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            ConsumerGroupMetadata group,
            Runnable beforeCommit) {
        try {
            producer.beginTransaction();
            inTransaction = true;
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            if (group != null && !offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, group);
            }
            beforeCommit.run();
            producer.commitTransaction();
            inTransaction = false;
        } catch (ProducerFencedException | InvalidProducerEpochException | AuthorizationException e) {
            // Another instance took over, or the broker refuses us: retrying cannot help.
            fenced = true;
            inTransaction = false;
            throw new PublishException("transaction of " + transactionalId + " cannot complete: " + e, e, true);
        } catch (OutOfOrderSequenceException e) {
            // This producer is unusable, but a new one (same transactional id) can carry on.
            fenced = true;
            inTransaction = false;
            throw new PublishException(
                    "transaction of " + transactionalId + " failed; the producer must be replaced: " + e, e, false);
        } catch (KafkaException e) {
            abort();
            throw new PublishException("transaction of " + transactionalId + " failed and was aborted: " + e, e, false);
        }
    }

    /** Aborts an open transaction, if any; what it wrote stays invisible to read_committed readers. */
    public void abort() {
        if (inTransaction && !fenced) {
            try {
                producer.abortTransaction();
            } catch (KafkaException e) {
                log.warn(
                        "aborting the transaction of {} failed (the broker aborts it on timeout or when a restart fences us): {}",
                        transactionalId,
                        e.toString());
            }
        }
        inTransaction = false;
    }

    public boolean inTransaction() {
        return inTransaction;
    }

    public String transactionalId() {
        return transactionalId;
    }

    /** Aborts an open transaction and closes the producer. */
    public void close(Duration timeout) {
        abort();
        producer.close(timeout);
    }

    /** Closes without aborting or waiting, as a crash would leave things (tests only). */
    public void closeAbruptly() {
        producer.close(Duration.ZERO);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /** A transaction could not be committed; nothing of it is visible. */
    public static final class PublishException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean fatal;

        public PublishException(String message, Throwable cause, boolean fatal) {
            super(message, cause);
            this.fatal = fatal;
        }

        /** True when retrying cannot help: another instance fenced this one, or the broker refuses it. */
        public boolean fatal() {
            return fatal;
        }
    }
}
