package io.streamtune.scoring;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.event.Reason;
import io.streamtune.common.event.RecordParser;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.testing.TestModels;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The defence in depth behind the record limit, on a real broker: a DLQ topic created by hand with
 * a {@code max.message.bytes} below what the layout sets refuses a dead letter. The stream thread
 * fails once, and the record processed again is dead-lettered in a form the topic takes.
 */
class ScoringSmallTopicIT {
    private static final Backbones encoders = TestModels.backbones();

    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static KafkaConsumer<byte[], byte[]> reader(String topic) {
        Map<String, Object> props = Map.of(
                "bootstrap.servers",
                SharedKafka.bootstrapServers(),
                "group.id",
                SharedKafka.uniqueName("it-reader"),
                "isolation.level",
                "read_committed",
                "auto.offset.reset",
                "earliest");
        var c = new KafkaConsumer<byte[], byte[]>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldFailOneStreamThreadThenDeadLetterWhatTheSmallDlqTopicTakes() throws Exception {
        String task = SharedKafka.uniqueName("smalldlq");
        String appId = SharedKafka.uniqueName("scoring-smalldlq");
        TaskTopics topics = TaskTopics.of(task);
        int dlqTakes = 60_000;
        try (var admin = SharedKafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topics.dlq(), 1, (short) 1)
                            .configs(Map.of("max.message.bytes", Integer.toString(dlqTakes)))))
                    .all()
                    .get();
        }
        // A short session: the replaced stream thread's group gives up the dead member quickly.
        StreamtuneConfig cfg = StreamtuneConfig.parse(
                """
                kafka: {bootstrap.servers: "%s", state.dir: "%s", session.timeout.ms: 6000, heartbeat.interval.ms: 1000}
                topics: {partitions: 1}
                tasks: [{name: %s, labels: [negative, positive]}]
                """.formatted(SharedKafka.bootstrapServers(), tmp.resolve("state"), task), Map.of(), Map.of());
        ScoringSettings settings = new ScoringSettings(
                appId, 8, Duration.ofMillis(20), 10_000, Duration.ofMillis(100), 1, 1, -1, true, Map.of(), "");
        byte[] malformed = b("{\"id\":\"m-1\",\"text\":\"" + "y".repeat(100_000));
        Set<String> sent = new TreeSet<>();

        try (ScoringService service = new ScoringService(cfg, settings, encoders);
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                        Map.of("bootstrap.servers", SharedKafka.bootstrapServers(), "acks", "all"),
                        new StringSerializer(),
                        new ByteArraySerializer());
                KafkaConsumer<byte[], byte[]> predictionReader = reader(topics.predictions());
                KafkaConsumer<byte[], byte[]> dlqReader = reader(topics.dlq())) {
            service.start();
            assertTrue(service.awaitRunning(Duration.ofSeconds(60)), "Streams reaches RUNNING");
            producer.send(new ProducerRecord<>(
                            TaskTopics.MODELS,
                            task,
                            TestModels.constant(task, 1, List.of("negative", "positive"), 0f, 2f)
                                    .toBytes()))
                    .get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                if (i == 5) {
                    producer.send(new ProducerRecord<>(topics.events(), "m-1", malformed));
                }
                String id = "e-" + i;
                sent.add(id);
                String json = "{\"id\":\"" + id + "\",\"text\":\"Review " + i + ": friendly staff.\"}";
                producer.send(new ProducerRecord<>(topics.events(), id, b(json)));
            }
            producer.flush();

            Map<String, Integer> predicted = new HashMap<>();
            Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!(predicted.keySet().containsAll(sent) && dead.containsKey("m-1")) && System.nanoTime() < deadline) {
                predictionReader
                        .poll(Duration.ofMillis(100))
                        .forEach(r -> predicted.merge(prediction(r).id(), 1, Integer::sum));
                dlqReader
                        .poll(Duration.ofMillis(100))
                        .forEach(r -> dead.put(new String(r.key(), StandardCharsets.UTF_8), r));
            }
            long quiet = System.currentTimeMillis() + 1_500;
            while (System.currentTimeMillis() < quiet) {
                predictionReader
                        .poll(Duration.ofMillis(100))
                        .forEach(r -> predicted.merge(prediction(r).id(), 1, Integer::sum));
                dlqReader
                        .poll(Duration.ofMillis(100))
                        .forEach(r -> dead.put(new String(r.key(), StandardCharsets.UTF_8), r));
            }

            assertEquals(sent, predicted.keySet(), "every event of the partition is scored");
            predicted.forEach((id, n) -> assertEquals(1, n, "predictions of " + id));
            assertEquals(Set.of("m-1"), dead.keySet());
            ConsumerRecord<byte[], byte[]> d = dead.get("m-1");
            assertEquals(Reason.MALFORMED_JSON.name(), DeadLetter.header(d.headers(), DeadLetter.REASON));
            assertTrue(RecordParser.recordSize(d.key(), d.value(), d.headers()) < dlqTakes, "what the topic takes");
            assertEquals(Integer.toString(malformed.length), DeadLetter.header(d.headers(), DeadLetter.ORIGINAL_SIZE));
            assertEquals("value", DeadLetter.header(d.headers(), DeadLetter.TRUNCATED));
            double refused = service.meterRegistry()
                    .find(ScoringMetrics.HANDLER_ERRORS)
                    .tag(ScoringMetrics.TAG_OUTCOME, "refused")
                    .counter()
                    .count();
            // The refusals end: the budget learnt from the first makes the record processed again fit. A second
            // refusal of the re-cut letter by the same, already doomed, producer was seen in CI rehearsals (77 ms
            // after the first, on StreamThread-1's producer; cause in the client not found), so up to two are
            // accepted; what this test holds is above: nothing lost, one dead letter that fits, the stream RUNNING.
            assertTrue(refused >= 1.0 && refused <= 2.0, "refused writes: " + refused);
            assertEquals(org.apache.kafka.streams.KafkaStreams.State.RUNNING, service.state());
        }
    }

    private static Prediction prediction(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Json.read(r.value(), Prediction.class);
        } catch (java.io.IOException e) {
            throw new AssertionError("unreadable prediction", e);
        }
    }
}
