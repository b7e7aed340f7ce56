package io.streamtune.trainer.publish;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.Limits;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.common.topic.TopicLayout;
import io.streamtune.common.topic.TopicSpec;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The trainer's producer and the model topics carry a model record of the documented 16 MiB. */
class ModelRecordSizeIT {

    @Test
    @Timeout(120)
    void shouldPublishAModelRecordOfSixteenMiB() throws Exception {
        // A topic configured as the layout configures streamtune.models, under a name of its own.
        TopicSpec models = TopicLayout.shared((short) 1, Limits.modelWriteBytes()).stream()
                .filter(s -> s.name().equals(TaskTopics.MODELS))
                .findFirst()
                .orElseThrow();
        String topic = SharedKafka.uniqueName("models-size");
        try (var admin = SharedKafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(models.configs())))
                    .all()
                    .get();
        }
        byte[] model = new byte[Limits.MODEL_BYTES]; // as incompressible as trained weights
        new Random(7).nextBytes(model);

        try (TransactionalPublisher p = new TransactionalPublisher(
                io.streamtune.common.kafka.KafkaClients.of(Map.of("bootstrap.servers", SharedKafka.bootstrapServers())),
                SharedKafka.uniqueName("tx-size"))) {
            p.init();
            p.commit(List.of(new ProducerRecord<>(topic, "task".getBytes(), model)), Map.of(), null);
        }

        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", SharedKafka.bootstrapServers(), "isolation.level", "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            // The coordinator writes the commit marker after the commit returns: poll for it, bounded.
            long end = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (end < 2 && System.nanoTime() < deadline) {
                end = c.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
                if (end < 2) {
                    Thread.sleep(50);
                }
            }
            assertEquals(2L, end, "the record and its commit marker");
        }
    }
}
