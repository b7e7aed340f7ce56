package io.streamtune.scoring.topology;

import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

import io.streamtune.common.config.Limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the scorer learns from a topic that refused a record as too large. */
class SinkCapacityTest {

    @Test
    void shouldTakeUpToTheRecordLimitUntilATopicRefusesThenHalfOfWhatItRefused() {
        SinkCapacity c = new SinkCapacity(Limits.defaults());
        assertEquals(1 << 20, c.budget("t.dlq"));
        assertTrue(c.fits("t.predictions", 3L << 20), "a topic never refused takes what the limits let through");
        assertFalse(c.learnedAny());

        assertEquals(50_000, c.refused("t.dlq", 100_000));
        assertEquals(50_000, c.budget("t.dlq"));
        assertTrue(c.fits("t.dlq", 50_000));
        assertFalse(c.fits("t.dlq", 50_001));
        assertEquals(1 << 20, c.budget("t.predictions"), "other topics are unaffected");

        assertEquals(25_000, c.refused("t.dlq", 50_000), "each further refusal halves again");
        assertEquals(25_000, c.refused("t.dlq", 400_000), "a larger refusal never raises the budget");
        assertEquals(SinkCapacity.FLOOR_BYTES, c.refused("t.dlq", 10), "never below the floor");
        assertEquals(1 << 20, c.refused("t.alerts", 10L << 20), "never above the record limit");
        assertTrue(c.learnedAny());
    }

    @Test
    void shouldLearnFromATooLargeRefusalAndFailTheThreadOnlyForThisRecord() {
        SinkCapacity c = new SinkCapacity(Limits.defaults());
        ScoringExceptionHandlers.Production handler = new ScoringExceptionHandlers.Production();
        handler.configure(Map.of(ScoringExceptionHandlers.CAPACITY_CONFIG, c));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("t.dlq", new byte[10], new byte[99_990]);

        ProductionExceptionHandler.Response r =
                handler.handleError(null, record, new RecordTooLargeException("too large"));

        assertEquals(
                ProductionExceptionHandler.Result.FAIL,
                r.result(),
                "under exactly_once_v2 the transaction is doomed: resuming would not skip the record");
        assertEquals(50_000, c.budget("t.dlq"), "processing the record again stays under half of what was refused");
        assertEquals(1 << 20, c.budget("t.predictions"));
    }

    @Test
    void shouldLearnNothingFromOtherProductionErrors() {
        SinkCapacity c = new SinkCapacity(Limits.defaults());
        ScoringExceptionHandlers.Production handler = new ScoringExceptionHandlers.Production();
        handler.configure(Map.of(ScoringExceptionHandlers.CAPACITY_CONFIG, c));
        ProductionExceptionHandler.Response r = handler.handleError(
                new SourceContext(),
                new ProducerRecord<>("t.dlq", new byte[10], new byte[99_990]),
                new TimeoutException("slow"));
        assertEquals(ProductionExceptionHandler.Result.FAIL, r.result());
        assertFalse(c.learnedAny());
    }

    /** The source record's coordinates, as Kafka Streams hands them to a handler. */
    private static final class SourceContext implements ErrorHandlerContext {
        @Override
        public String topic() {
            return "t.events";
        }

        @Override
        public int partition() {
            return 0;
        }

        @Override
        public long offset() {
            return 5;
        }

        @Override
        public Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return "dlq-t";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(0, 0);
        }

        @Override
        public long timestamp() {
            return 0;
        }

        @Override
        public byte[] sourceRawKey() {
            return null;
        }

        @Override
        public byte[] sourceRawValue() {
            return null;
        }
    }
}
