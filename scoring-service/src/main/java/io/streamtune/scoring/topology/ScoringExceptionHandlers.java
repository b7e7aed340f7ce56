package io.streamtune.scoring.topology;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.Limits;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Reason;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.monitor.ScoringMetrics;

/**
 * Kafka Streams exception handlers of the scoring service. The topology consumes bytes and
 * routes bad input itself, so these fire only for faults it did not foresee:
 * <ul>
 *   <li>deserialization, processing: the source record goes to {@code <task>.dlq} with its
 *       original bytes and headers and processing resumes (nothing is dropped silently);</li>
 *   <li>production: the stream thread fails, because resuming would lose the record; under
 *       exactly_once_v2 the transaction aborts and the records are processed again. A topic that
 *       refuses a record as too large ({@code RecordTooLargeException}) is recorded in the
 *       {@link SinkCapacity} first, so that processing the record again writes what fits (a
 *       smaller dead letter, or a dead letter instead of a prediction): one failed thread, not a
 *       failure forever.</li>
 * </ul>
 * The service passes its {@link ScoringMetrics} under {@link #METRICS_CONFIG} and its
 * {@link SinkCapacity} under {@link #CAPACITY_CONFIG}.
 */
public final class ScoringExceptionHandlers {
    public static final String METRICS_CONFIG = "streamtune.scoring.metrics";
    public static final String CAPACITY_CONFIG = "streamtune.scoring.sink.capacity";
    private static final Logger log = LoggerFactory.getLogger(ScoringExceptionHandlers.class);

    private ScoringExceptionHandlers() {}

    private static ScoringMetrics metrics(Map<String, ?> configs) {
        Object m = configs.get(METRICS_CONFIG);
        return m instanceof ScoringMetrics sm ? sm : null;
    }

    private static SinkCapacity capacity(Map<String, ?> configs) {
        Object c = configs.get(CAPACITY_CONFIG);
        return c instanceof SinkCapacity sc ? sc : new SinkCapacity(Limits.defaults());
    }

    /** The DLQ record for a source record of {@code <task>.events}, or none for other topics. */
    static List<ProducerRecord<byte[], byte[]>> deadLetter(
            String topic,
            int partition,
            long offset,
            byte[] key,
            byte[] value,
            org.apache.kafka.common.header.Headers headers,
            Reason reason,
            Exception error,
            SinkCapacity capacity) {
        String task = topic == null ? null : TaskTopics.taskOf(topic);
        if (task == null || !TaskTopics.of(task).events().equals(topic)) {
            return List.of();
        }
        String dlq = TaskTopics.of(task).dlq();
        DeadLetter dl = new DeadLetter(
                topic,
                partition,
                offset,
                key,
                value,
                headers,
                reason,
                String.valueOf(error.getMessage()),
                error.getClass().getName(),
                capacity.budget(dlq));
        return List.of(dl.toProducerRecord(dlq));
    }

    public static final class Deserialization implements DeserializationExceptionHandler {
        private ScoringMetrics metrics;
        private SinkCapacity capacity;

        @Override
        public void configure(Map<String, ?> configs) {
            metrics = metrics(configs);
            capacity = capacity(configs);
        }

        @Override
        public Response handleError(
                ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
            if (metrics != null) {
                metrics.handlerError("deserialization");
            }
            log.warn(
                    "[scoring] cannot deserialise {}-{}@{}: {}; sent to the DLQ",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    exception.toString());
            return Response.resume(deadLetter(
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    record.key(),
                    record.value(),
                    record.headers(),
                    Reason.MALFORMED_JSON,
                    exception,
                    capacity));
        }
    }

    public static final class Processing implements ProcessingExceptionHandler {
        private ScoringMetrics metrics;
        private SinkCapacity capacity;

        @Override
        public void configure(Map<String, ?> configs) {
            metrics = metrics(configs);
            capacity = capacity(configs);
        }

        @Override
        public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            if (metrics != null) {
                metrics.handlerError("processing");
            }
            List<ProducerRecord<byte[], byte[]>> dlq = deadLetter(
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    context.sourceRawKey(),
                    context.sourceRawValue(),
                    context.headers(),
                    Reason.SCORING_FAILED,
                    exception,
                    capacity);
            if (dlq.isEmpty()) {
                // No source event to park (e.g. a punctuation): fail so the task restarts from its last commit.
                log.error(
                        "[scoring] processing failed in {} of {} with no event to dead-letter",
                        context.processorNodeId(),
                        context.taskId(),
                        exception);
                return Response.fail();
            }
            log.warn(
                    "[scoring] processing {}-{}@{} failed in {}: {}; sent to the DLQ",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    context.processorNodeId(),
                    exception.toString());
            return Response.resume(dlq);
        }
    }

    public static final class Production implements ProductionExceptionHandler {
        private ScoringMetrics metrics;
        private SinkCapacity capacity;

        @Override
        public void configure(Map<String, ?> configs) {
            metrics = metrics(configs);
            capacity = capacity(configs);
        }

        @Override
        public Response handleError(
                ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
            boolean tooLarge = exception instanceof RecordTooLargeException;
            if (metrics != null) {
                // "refused" apart from other write failures: the sends aborted with the doomed transaction reach
                // this handler too, so the count of refusals is the one that says how often a topic's limit bit.
                metrics.handlerError(tooLarge ? "refused" : "production");
            }
            if (tooLarge) {
                long size = RecordParser.recordSize(record.key(), record.value(), record.headers());
                int budget = capacity.refused(record);
                // Under exactly_once_v2 the transaction is already doomed (the producer marks it abortable), so
                // resuming would not skip this record: fail now; the replaced thread processes it again within budget.
                log.error(
                        "[scoring] {} refused a record of {} bytes: {}. Its max.message.bytes (or the"
                                + " broker's message.max.bytes) is below what streamtune writes; from now on records over {}"
                                + " bytes for it are dead-lettered or cut (RECORD_TOO_LARGE) and this stream thread is"
                                + " replaced once. Fix: raise the topic's max.message.bytes (kafka-configs --alter"
                                + " --entity-type topics --entity-name {} --add-config max.message.bytes=N)",
                        record.topic(),
                        size,
                        exception.getMessage(),
                        budget,
                        record.topic());
                return Response.fail();
            }
            log.error(
                    "[scoring] cannot write to {} (source {}-{}@{}): failing, as resuming would lose the record",
                    record.topic(),
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception);
            return Response.fail();
        }
    }
}
