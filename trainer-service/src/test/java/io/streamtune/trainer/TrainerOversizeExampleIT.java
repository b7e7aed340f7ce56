package io.streamtune.trainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Example;
import io.streamtune.common.event.Reason;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.hash.Sha256;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.WindowRange;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;
import io.streamtune.trainer.monitor.TrainerMetrics;

import static io.streamtune.trainer.TrainerFixture.await;
import static io.streamtune.trainer.TrainerFixture.config;
import static io.streamtune.trainer.TrainerFixture.examples;
import static io.streamtune.trainer.TrainerFixture.models;
import static io.streamtune.trainer.TrainerFixture.options;
import static io.streamtune.trainer.TrainerFixture.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 9, fault 1 for the trainer: an example over limits.recordBytes is dead-lettered and training goes on. */
class TrainerOversizeExampleIT {

    /** Sent as kcat sends a file's records: zstd, so the broker takes records beyond the limit. */
    private static void produceLikeKcat(String topic, List<byte[]> keys, List<byte[]> values) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                Map.of(
                        "bootstrap.servers",
                        SharedKafka.bootstrapServers(),
                        "compression.type",
                        "zstd",
                        "max.request.size",
                        Integer.toString(8 << 20),
                        "acks",
                        "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < values.size(); i++) {
                p.send(new ProducerRecord<>(topic, 0, keys.get(i), values.get(i)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldDeadLetterAnOversizeExampleAndKeepTraining() throws Exception {
        String task = SharedKafka.uniqueName("bigex");
        StreamtuneConfig config = config(task, 120, 400); // the first version waits for all 120 valid examples
        TaskTopics topics = TaskTopics.of(task);
        // Valid in every field, but 1.2 MB with its extra field: over the default 1 MiB limit.
        byte[] big = b("{\"id\":\"big-1\",\"text\":\"The staff was wonderful.\",\"label\":\"positive\",\"pad\":\""
                + "x".repeat(1_200_000) + "\"}");
        byte[] malformed = b("{\"id\":\"bad-2\",\"text\":\"" + "y".repeat(2 * 1024 * 1024));
        List<Example> first = examples(task, "a", 60, null, false);
        List<Example> second = examples(task, "b", 60, null, false);
        try (TrainerService trainer = new TrainerService(config, options())) {
            trainer.start();
            List<byte[]> keys = new java.util.ArrayList<>();
            List<byte[]> values = new java.util.ArrayList<>();
            first.forEach(e -> {
                keys.add(b(e.id()));
                values.add(Json.write(e));
            });
            keys.add(b("big-1"));
            values.add(big);
            keys.add(b("bad-2"));
            values.add(malformed);
            second.forEach(e -> {
                keys.add(b(e.id()));
                values.add(Json.write(e));
            });
            produceLikeKcat(topics.examples(), keys, values);

            await(
                    "version 1 and two dead letters",
                    Duration.ofSeconds(120),
                    () -> models(task).size() == 1 && readAll(topics.dlq()).size() >= 2);

            List<ConsumerRecord<byte[], byte[]>> dlq = readAll(topics.dlq());
            assertEquals(2, dlq.size());
            for (ConsumerRecord<byte[], byte[]> d : dlq) {
                String key = new String(d.key(), StandardCharsets.UTF_8);
                byte[] original = key.equals("big-1") ? big : malformed;
                assertEquals(Reason.RECORD_TOO_LARGE.name(), DeadLetter.header(d.headers(), DeadLetter.REASON), key);
                assertTrue(
                        RecordParser.recordSize(d.key(), d.value(), d.headers())
                                <= config.limits().recordBytes(),
                        "the dead letter of " + key + " fits limits.recordBytes");
                assertEquals(
                        Integer.toString(original.length), DeadLetter.header(d.headers(), DeadLetter.ORIGINAL_SIZE));
                assertEquals(Sha256.hex(original), DeadLetter.header(d.headers(), DeadLetter.ORIGINAL_SHA256));
                assertEquals("value", DeadLetter.header(d.headers(), DeadLetter.TRUNCATED));
            }
            ModelArtifact v1 = models(task).get(0);
            assertEquals(
                    120,
                    v1.meta().window().stream().mapToLong(WindowRange::count).sum(),
                    "the version covers the 120 valid examples, not the oversize one");
            assertEquals(
                    122,
                    v1.meta().window().stream()
                            .mapToLong(r -> r.toOffset() - r.fromOffset() + 1)
                            .sum(),
                    "its range spans the two dead letters' offsets");
            assertEquals(
                    2.0,
                    trainer.metrics()
                            .registry()
                            .find(TrainerMetrics.EXAMPLES_REJECTED)
                            .tag("task", task)
                            .tag("reason", Reason.RECORD_TOO_LARGE.name())
                            .counter()
                            .count(),
                    "both rejections are counted");
            assertTrue(trainer.isRunning(), "the trainer keeps running");
        }
    }
}
