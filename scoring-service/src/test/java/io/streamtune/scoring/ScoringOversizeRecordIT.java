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
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.Counter;
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
import io.streamtune.common.hash.Sha256;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.scoring.testing.TestModels;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, fault 1 on a real broker: records larger than the scorer can write arrive, sent as kcat
 * sends them (zstd, so the broker takes them), between ordinary events of the same partition.
 */
class ScoringOversizeRecordIT {
    private static final Backbones encoders = TestModels.backbones();

    @TempDir
    Path tmp;

    /** A plain client as a user's tool would configure it: zstd, and a request limit above the records. */
    private static KafkaProducer<String, byte[]> kcatLikeProducer() {
        return new KafkaProducer<>(
                Map.of(
                        "bootstrap.servers",
                        SharedKafka.bootstrapServers(),
                        "compression.type",
                        "zstd",
                        "max.request.size",
                        Integer.toString(8 << 20),
                        "acks",
                        "all",
                        "linger.ms",
                        "2"),
                new StringSerializer(),
                new ByteArraySerializer());
    }

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
                "earliest",
                "max.partition.fetch.bytes",
                Integer.toString(8 << 20));
        var c = new KafkaConsumer<byte[], byte[]>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
        }
    }

    private static Set<String> streamThreads(String appId) {
        Set<String> names = new TreeSet<>();
        Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(n -> n.startsWith(appId) && n.contains("-StreamThread-"))
                .forEach(names::add);
        return names;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldDeadLetterOversizeRecordsAndKeepScoringTheirPartition() throws Exception {
        String task = SharedKafka.uniqueName("oversize");
        String appId = SharedKafka.uniqueName("scoring-oversize");
        StreamtuneConfig cfg = StreamtuneConfig.parse(
                """
                kafka: {bootstrap.servers: "%s", state.dir: "%s"}
                topics: {partitions: 1}
                tasks: [{name: %s, labels: [negative, positive]}]
                """.formatted(SharedKafka.bootstrapServers(), tmp.resolve("state"), task), Map.of(), Map.of());
        ScoringSettings settings = new ScoringSettings(
                appId, 8, Duration.ofMillis(20), 10_000, Duration.ofMillis(100), 1, 1, -1, true, Map.of(), "");
        TaskTopics topics = TaskTopics.of(task);
        // The records: a valid event with a 1.2 MB extra field, and a 2 MiB record that is not JSON.
        byte[] big =
                b("{\"id\":\"big-1\",\"text\":\"Shares rally on upgrade\",\"pad\":\"" + "x".repeat(1_200_000) + "\"}");
        byte[] malformed = b("{\"id\":\"bad-2\",\"text\":\"" + "y".repeat(2 * 1024 * 1024));
        Set<String> sent = new TreeSet<>();

        try (ScoringService service = new ScoringService(cfg, settings, encoders);
                KafkaProducer<String, byte[]> producer = kcatLikeProducer();
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
            for (int i = 0; i < 30; i++) {
                if (i == 10) {
                    producer.send(new ProducerRecord<>(topics.events(), "big-1", big));
                }
                if (i == 20) {
                    producer.send(new ProducerRecord<>(topics.events(), "bad-2", malformed));
                }
                String id = "e-" + i;
                sent.add(id);
                String json = "{\"id\":\"" + id + "\",\"text\":\"Review " + i + ": friendly staff, quick check-in.\"}";
                producer.send(new ProducerRecord<>(topics.events(), id, b(json)));
            }
            producer.flush();

            Map<String, Integer> predicted = new HashMap<>();
            Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
            await("a prediction for each of the 30 events and two dead letters", Duration.ofSeconds(90), () -> {
                predictionReader
                        .poll(Duration.ofMillis(100))
                        .forEach(r -> predicted.merge(prediction(r).id(), 1, Integer::sum));
                dlqReader
                        .poll(Duration.ofMillis(100))
                        .forEach(r -> dead.put(new String(r.key(), StandardCharsets.UTF_8), r));
                return predicted.keySet().containsAll(sent) && dead.size() >= 2;
            });
            // Read on for a moment: a duplicate or a third dead letter would show up now.
            long until = System.currentTimeMillis() + 1_500;
            while (System.currentTimeMillis() < until) {
                predictionReader
                        .poll(Duration.ofMillis(100))
                        .forEach(r -> predicted.merge(prediction(r).id(), 1, Integer::sum));
                dlqReader
                        .poll(Duration.ofMillis(100))
                        .forEach(r -> dead.put(new String(r.key(), StandardCharsets.UTF_8), r));
            }

            assertEquals(
                    sent,
                    predicted.keySet(),
                    "every other event of the partition was scored, the oversize ones were not");
            predicted.forEach((id, n) -> assertEquals(1, n, "predictions of " + id));
            assertEquals(Set.of("big-1", "bad-2"), dead.keySet());
            for (var e : Map.of("big-1", big, "bad-2", malformed).entrySet()) {
                ConsumerRecord<byte[], byte[]> d = dead.get(e.getKey());
                assertEquals(
                        Reason.RECORD_TOO_LARGE.name(), DeadLetter.header(d.headers(), DeadLetter.REASON), e.getKey());
                assertTrue(
                        RecordParser.recordSize(d.key(), d.value(), d.headers())
                                <= cfg.limits().recordBytes(),
                        "the dead letter of " + e.getKey() + " fits limits.recordBytes");
                assertEquals(
                        Integer.toString(e.getValue().length),
                        DeadLetter.header(d.headers(), DeadLetter.ORIGINAL_SIZE));
                assertEquals(Sha256.hex(e.getValue()), DeadLetter.header(d.headers(), DeadLetter.ORIGINAL_SHA256));
            }
            Set<String> threads = streamThreads(appId);
            assertTrue(
                    !threads.isEmpty() && threads.stream().allMatch(n -> n.endsWith("-StreamThread-1")),
                    "the first stream thread still runs, none died and was replaced: " + threads);
            for (String outcome : List.of("refused", "production")) {
                Counter failed = service.meterRegistry()
                        .find(ScoringMetrics.HANDLER_ERRORS)
                        .tag(ScoringMetrics.TAG_OUTCOME, outcome)
                        .counter();
                assertEquals(0.0, failed == null ? 0.0 : failed.count(), "no write failed: " + outcome);
            }
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
