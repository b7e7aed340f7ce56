package io.streamtune.scoring;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

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
import io.streamtune.common.event.Prediction;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.testing.TestModels;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exactly-once scoring against a real broker, with swaps and a restart. */
class ScoringServiceIT {
    private static final List<String> LABELS = List.of("negative", "positive");
    private static final Backbones encoders = TestModels.backbones();

    @TempDir
    Path tmp;

    private StreamtuneConfig config(String task, Path stateDir) throws Exception {
        return StreamtuneConfig.parse(
                """
                kafka: {bootstrap.servers: "%s", state.dir: "%s"}
                topics: {partitions: 3}
                tasks:
                  - name: %s
                    labels: [negative, positive]
                """.formatted(SharedKafka.bootstrapServers(), stateDir, task), Map.of(), Map.of());
    }

    private static ScoringSettings settings(String appId) {
        // Two encoder workers: batches are in flight at every commit, swap and restart.
        return new ScoringSettings(
                appId, 16, Duration.ofMillis(20), 10_000, Duration.ofMillis(100), 1, 2, -1, true, Map.of(), "");
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(
                Map.of(
                        "bootstrap.servers",
                        SharedKafka.bootstrapServers(),
                        "enable.idempotence",
                        "true",
                        "acks",
                        "all",
                        "linger.ms",
                        "2"),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    private static byte[] event(String id) {
        return ("{\"id\":\"" + id + "\",\"text\":\"Review " + id + ": the service was friendly and quick.\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Collects predictions as a read_committed reader sees them, in a background thread. */
    private static final class Collector implements AutoCloseable {
        final List<ConsumerRecord<byte[], byte[]>> records = new CopyOnWriteArrayList<>();
        final Map<String, Integer> perId = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Collector(String topic) {
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                    Map.of(
                            "bootstrap.servers",
                            SharedKafka.bootstrapServers(),
                            "group.id",
                            SharedKafka.uniqueName("it-reader"),
                            "isolation.level",
                            "read_committed",
                            "auto.offset.reset",
                            "earliest"),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            consumer.subscribe(List.of(topic));
            thread = new Thread(
                    () -> {
                        try (consumer) {
                            while (running.get()) {
                                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                                    records.add(r);
                                    perId.merge(prediction(r).id(), 1, Integer::sum);
                                }
                            }
                        }
                    },
                    "it-collector");
            thread.start();
        }

        int distinct() {
            return perId.size();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    private static Prediction prediction(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Json.read(r.value(), Prediction.class);
        } catch (java.io.IOException e) {
            throw new AssertionError("unreadable prediction", e);
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void publish(KafkaProducer<String, byte[]> p, String task, long version, float... bias)
            throws Exception {
        p.send(new ProducerRecord<>(
                        TaskTopics.MODELS,
                        task,
                        TestModels.constant(task, version, LABELS, bias).toBytes()))
                .get(10, TimeUnit.SECONDS);
    }

    /** Every committed record of a topic, read to its end (call once every writer has closed). */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", SharedKafka.bootstrapServers(), "isolation.level", "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    /** Every id exactly once; within each partition the versions never decrease. */
    private static void assertExactlyOnceAndMonotonic(List<ConsumerRecord<byte[], byte[]>> records, Set<String> sent) {
        Map<String, Integer> perId = new java.util.HashMap<>();
        records.forEach(r -> perId.merge(prediction(r).id(), 1, Integer::sum));
        assertEquals(sent, perId.keySet(), "every event has a prediction, and nothing else does");
        perId.forEach((id, n) -> assertEquals(1, n, "predictions of " + id));
        assertEquals(sent.size(), records.size());
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = new java.util.TreeMap<>();
        records.forEach(r -> byPartition
                .computeIfAbsent(r.partition(), k -> new ArrayList<>())
                .add(r));
        byPartition.forEach((partition, rs) -> {
            rs.sort(java.util.Comparator.comparingLong(ConsumerRecord::offset));
            long last = 0;
            for (ConsumerRecord<byte[], byte[]> r : rs) {
                long v = prediction(r).modelVersion();
                assertTrue(
                        v >= last,
                        "partition " + partition + " went from v" + last + " back to v" + v + " at offset "
                                + r.offset());
                last = v;
            }
        });
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldPredictEveryEventExactlyOnceWhileFiveVersionsArrive() throws Exception {
        String task = SharedKafka.uniqueName("swaps");
        StreamtuneConfig cfg = config(task, tmp.resolve("a"));
        Set<String> sent = new HashSet<>();
        int perPhase = 60;
        try (ScoringService service =
                        new ScoringService(cfg, settings(SharedKafka.uniqueName("scoring-it")), encoders);
                KafkaProducer<String, byte[]> producer = producer()) {
            service.start();
            assertTrue(service.awaitRunning(Duration.ofSeconds(60)), "Streams reaches RUNNING");
            try (Collector collector = new Collector(TaskTopics.of(task).predictions())) {
                for (int v = 1; v <= 5; v++) {
                    // The next version goes out while events of this phase are still being scored.
                    publish(producer, task, v, v % 2 == 0 ? 2f : 0f, v % 2 == 0 ? 0f : 2f);
                    for (int i = 0; i < perPhase; i++) {
                        String id = "v" + v + "-" + i;
                        sent.add(id);
                        producer.send(new ProducerRecord<>(TaskTopics.of(task).events(), id, event(id)));
                    }
                    producer.flush();
                    int target = perPhase * (v - 1) + perPhase / 2;
                    await(
                            "half of phase " + v + " predicted",
                            Duration.ofSeconds(60),
                            () -> collector.distinct() >= target);
                }
                await("all predictions", Duration.ofSeconds(60), () -> collector.distinct() >= sent.size());
                assertEquals(5L, service.models().servedVersion(task).getAsLong());
                collector.close();
                service.close(); // every writer closed: a duplicate, had there been one, is committed now
                List<ConsumerRecord<byte[], byte[]>> all =
                        readAll(TaskTopics.of(task).predictions());
                assertExactlyOnceAndMonotonic(all, sent);
                Set<Long> versions = new TreeSet<>();
                all.forEach(r -> versions.add(prediction(r).modelVersion()));
                assertEquals(Set.of(1L, 2L, 3L, 4L, 5L), versions, "every version served part of the stream");
            }
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldPredictEveryEventExactlyOnceAcrossARestart() throws Exception {
        String task = SharedKafka.uniqueName("restart");
        String appId = SharedKafka.uniqueName("scoring-it");
        int total = 240;
        Set<String> sent = new HashSet<>();
        try (KafkaProducer<String, byte[]> producer = producer();
                Collector collector = new Collector(TaskTopics.of(task).predictions())) {
            ScoringService first = new ScoringService(config(task, tmp.resolve("first")), settings(appId), encoders);
            try {
                first.start();
                assertTrue(first.awaitRunning(Duration.ofSeconds(60)));
                publish(producer, task, 1, 0f, 2f);
                for (int i = 0; i < total / 2; i++) {
                    String id = "e-" + i;
                    sent.add(id);
                    producer.send(new ProducerRecord<>(TaskTopics.of(task).events(), id, event(id)));
                }
                producer.flush();
                await("some predictions before the restart", Duration.ofSeconds(60), () -> collector.distinct() >= 20);
            } finally {
                first.close(); // mid-stream: events are still buffered and unread
            }
            int before = collector.distinct();
            assertTrue(before < total, "the restart happens mid-stream");
            for (int i = total / 2; i < total; i++) {
                String id = "e-" + i;
                sent.add(id);
                producer.send(new ProducerRecord<>(TaskTopics.of(task).events(), id, event(id)));
            }
            producer.flush();
            // A fresh state directory: the buffer comes back from its changelog, the model from the global store.
            try (ScoringService second =
                    new ScoringService(config(task, tmp.resolve("second")), settings(appId), encoders)) {
                second.start();
                assertTrue(second.awaitRunning(Duration.ofSeconds(60)));
                await("all predictions after the restart", Duration.ofSeconds(90), () -> collector.distinct() >= total);
                assertEquals(
                        1L,
                        second.models().servedVersion(task).getAsLong(),
                        "the restarted instance serves the newest model");
                collector.close();
                second.close(); // every writer closed: a duplicate, had there been one, is committed now
                List<ConsumerRecord<byte[], byte[]>> all =
                        readAll(TaskTopics.of(task).predictions());
                assertExactlyOnceAndMonotonic(all, sent);
                assertTrue(all.stream().allMatch(r -> prediction(r).modelVersion() == 1));
            }
        }
    }
}
