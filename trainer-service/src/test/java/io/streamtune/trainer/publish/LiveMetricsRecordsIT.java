package io.streamtune.trainer.publish;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The monitor writes live-metrics records to streamtune.model-events beside the trainer's
 * decisions; the trainer's readers take only decisions, by the record-type header. (Today's
 * live-metrics body does not parse as a ModelEvent, which made the readers log a warning per
 * record; a typed record whose body does parse, as a later type's may, was listed as a decision.)
 */
class LiveMetricsRecordsIT {

    @Test
    @Timeout(120)
    void shouldSkipLiveMetricsRecordsWhenReadingTheDecisions() throws Exception {
        try (var admin = SharedKafka.admin()) {
            io.streamtune.common.topic.TopicAdmin.ensure(
                    admin,
                    io.streamtune.common.topic.TopicLayout.shared(
                            (short) 1, io.streamtune.common.config.Limits.modelWriteBytes()));
        }
        String task = SharedKafka.uniqueName("lm");
        LiveMetrics live = new LiveMetrics(LiveMetrics.TYPE, task, 1, 0.9, 0.88, 50, 500, Map.of("a", 0.9), 50, 1L);
        RecordHeaders headers = new RecordHeaders();
        headers.add(RecordType.HEADER, RecordType.LIVE_METRICS.headerValue());
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", SharedKafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(TaskTopics.MODEL_EVENTS, null, task, Json.write(live), headers))
                    .get();
            RecordHeaders other = new RecordHeaders();
            other.add(RecordType.HEADER, "capacity-plan".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            byte[] parsesAsModelEvent = ("{\"type\":\"capacity-plan\",\"task\":\"" + task + "\",\"version\":7}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            p.send(new ProducerRecord<>(TaskTopics.MODEL_EVENTS, null, task, parsesAsModelEvent, other))
                    .get();
        }
        KafkaClients clients = KafkaClients.of(Map.of("bootstrap.servers", SharedKafka.bootstrapServers()));
        ModelCatalog catalog = ModelCatalog.read(clients, task, Duration.ofSeconds(30));
        assertEquals(List.<ModelEvent>of(), catalog.events(), "neither record is a decision");
        assertEquals(0.9, catalog.liveMetrics(1).orElseThrow().accuracy(), "the live metrics are read as such");
        ModelHistory.TaskHistory history =
                ModelHistory.read(clients, Set.of(task), Duration.ofSeconds(30)).get(task);
        assertEquals(0, history.lastVersion());
    }
}
