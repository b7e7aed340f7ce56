package io.streamtune.trainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Reason;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.WindowRange;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;
import io.streamtune.trainer.monitor.TrainerMetrics;

import static io.streamtune.trainer.TrainerFixture.await;
import static io.streamtune.trainer.TrainerFixture.config;
import static io.streamtune.trainer.TrainerFixture.events;
import static io.streamtune.trainer.TrainerFixture.examples;
import static io.streamtune.trainer.TrainerFixture.models;
import static io.streamtune.trainer.TrainerFixture.options;
import static io.streamtune.trainer.TrainerFixture.produce;
import static io.streamtune.trainer.TrainerFixture.produceRaw;
import static io.streamtune.trainer.TrainerFixture.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer against a real broker and the real default encoder. */
class TrainerServiceIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPublishVersionOneThenVersionTwoNamingItsParent() throws Exception {
        String task = SharedKafka.uniqueName("rev");
        StreamtuneConfig config = config(task, 100, 400);
        String topic = TaskTopics.of(task).examples();
        try (TrainerService trainer = new TrainerService(config, options().withMetricsPort(0))) {
            trainer.start();
            produce(topic, examples(task, "a", 100, null, false));
            await("version 1", WAIT, () -> models(task).size() == 1);
            ModelArtifact v1 = models(task).get(0);
            assertEquals(1, v1.meta().version());
            assertNull(v1.meta().parentVersion());
            assertTrue(
                    v1.meta().metrics().macroF1() >= 0.8,
                    "learnable data: " + v1.meta().metrics());
            assertTrue(v1.meta().metrics().holdoutSize() >= 8);
            assertEquals(100, countOf(v1.meta().window()), "covers every example once");
            v1.meta().window().forEach(r -> {
                assertEquals(topic, r.topic());
                assertEquals(0, r.fromOffset(), "the first version starts at the beginning");
            });
            assertEquals(
                    ends(v1.meta().window()),
                    committed(trainer.transactionalId(), topic),
                    "offsets advance in the version's transaction");

            produce(topic, examples(task, "b", 100, null, false));
            await("version 2", WAIT, () -> models(task).size() == 2);
            ModelArtifact v2 = models(task).get(1);
            assertEquals(2, v2.meta().version());
            assertEquals(1L, v2.meta().parentVersion());
            assertEquals(100, countOf(v2.meta().window()));
            assertJoined(v1.meta().window(), v2.meta().window());
            assertEquals(ends(v2.meta().window()), committed(trainer.transactionalId(), topic));

            List<ModelEvent> audit = events(task);
            assertEquals(
                    List.of(1L, 2L), audit.stream().map(ModelEvent::version).toList());
            assertTrue(audit.stream().allMatch(e -> e.decision() == ModelEvent.Decision.PUBLISHED));
            assertEquals(v2.meta().metrics(), audit.get(1).challenger(), "the audit names the published metrics");
            assertEquals(v1.meta().version(), audit.get(1).parentVersion());
            assertEquals(Map.of(task, 2L), trainer.championVersions());
            assertEquals(2.0, trainer.metrics().count(TrainerMetrics.VERSIONS, task, TrainerMetrics.PUBLISHED));

            var http = java.net.http.HttpClient.newHttpClient();
            String base = "http://localhost:" + trainer.metricsPort();
            var health = http.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/health"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            var node = io.streamtune.common.serde.Json.mapper().readTree(health.body());
            assertEquals(
                    2, node.path("tasks").path(task).path("championVersion").asLong(), health.body());
            String scrape = http.send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(scrape.contains("streamtune_trainer_champion_version{task=\"" + task + "\"} 2.0"), scrape);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRejectChallengerTrainedOnFlippedLabelsAndRecordIt() throws Exception {
        String task = SharedKafka.uniqueName("flip");
        StreamtuneConfig config = config(task, 100, 100);
        String topic = TaskTopics.of(task).examples();
        try (TrainerService trainer = new TrainerService(config, options())) {
            trainer.start();
            produce(topic, examples(task, "clean", 100, null, false));
            await("version 1", WAIT, () -> models(task).size() == 1);
            ModelArtifact v1 = models(task).get(0);

            // Outside the holdout, so they fill the whole training window and leave the holdout clean.
            produce(topic, examples(task, "flipped", 100, false, true));
            await(
                    "a rejection on the audit topic",
                    WAIT,
                    () -> events(task).stream().anyMatch(e -> e.decision() == ModelEvent.Decision.REJECTED));

            ModelEvent rejected = events(task).stream()
                    .filter(e -> e.decision() == ModelEvent.Decision.REJECTED)
                    .findFirst()
                    .orElseThrow();
            assertEquals(2, rejected.version(), "the version it would have had");
            assertEquals(1L, rejected.parentVersion());
            assertTrue(rejected.champion().macroF1() >= 0.8, "champion " + rejected.champion());
            assertTrue(
                    rejected.challenger().macroF1() < rejected.champion().macroF1() - 0.3,
                    "challenger " + rejected.challenger());
            assertTrue(
                    rejected.reason()
                                    .contains(String.format(
                                            java.util.Locale.ROOT,
                                            "%.4f",
                                            rejected.challenger().macroF1()))
                            && rejected.reason()
                                    .contains(String.format(
                                            java.util.Locale.ROOT,
                                            "%.4f",
                                            rejected.champion().macroF1())),
                    rejected.reason());
            assertEquals(100, rejected.trainingExamples());
            assertEquals(100, countOf(rejected.window()));
            assertJoined(v1.meta().window(), rejected.window());

            // The rejection's audit event commits in the same transaction a published model would: seen one, seen both.
            assertEquals(
                    List.of(1L),
                    models(task).stream().map(m -> m.meta().version()).toList(),
                    "nothing was published");
            assertEquals(Map.of(task, 1L), trainer.championVersions());
            assertEquals(1.0, trainer.metrics().count(TrainerMetrics.VERSIONS, task, TrainerMetrics.REJECTED));
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldResumeAfterRestartMidWindowWithoutGapOrDoubleCoverage() throws Exception {
        String task = SharedKafka.uniqueName("restart");
        StreamtuneConfig config = config(task, 100, 400);
        String topic = TaskTopics.of(task).examples();
        List<RecordMetadata> produced = new ArrayList<>();
        try (TrainerService first = new TrainerService(config, options())) {
            first.start();
            produced.addAll(produce(topic, examples(task, "a", 100, null, false)));
            await("version 1", WAIT, () -> models(task).size() == 1);
            produced.addAll(produce(topic, examples(task, "b", 40, null, false)));
            await("the mid-window examples consumed", WAIT, () -> consumed(first, task) >= 140);
        }
        assertEquals(1, models(task).size(), "closing mid-window publishes nothing");

        try (TrainerService second = new TrainerService(config, options())) {
            second.start();
            assertEquals(Map.of(task, 1L), second.championVersions(), "the champion is found on the models topic");
            produced.addAll(produce(topic, examples(task, "c", 60, null, false)));
            await("version 2", WAIT, () -> models(task).size() == 2);
        }
        ModelArtifact v1 = models(task).get(0);
        ModelArtifact v2 = models(task).get(1);
        assertEquals(1L, v2.meta().parentVersion());
        assertJoined(v1.meta().window(), v2.meta().window());
        assertEquals(100, countOf(v2.meta().window()), "the 40 read before the restart and the 60 after");
        for (RecordMetadata m : produced) {
            long covering = java.util.stream.Stream.concat(v1.meta().window().stream(), v2.meta().window().stream())
                    .filter(r -> r.partition() == m.partition()
                            && r.fromOffset() <= m.offset()
                            && m.offset() <= r.toOffset())
                    .count();
            assertEquals(1, covering, "example at " + m.partition() + "@" + m.offset() + " is covered once");
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRouteMalformedAndInvalidExamplesToDlqWhileTraining() throws Exception {
        String task = SharedKafka.uniqueName("dlq");
        StreamtuneConfig config = config(task, 100, 400);
        TaskTopics topics = TaskTopics.of(task);
        List<byte[]> bad = List.of(
                "not json at all".getBytes(StandardCharsets.UTF_8),
                "{\"id\":\"x1\",\"text\":\"fine stay\",\"label\":\"great\"}".getBytes(StandardCharsets.UTF_8),
                "{\"id\":\"x2\",\"text\":\"fine stay\"}".getBytes(StandardCharsets.UTF_8),
                "{\"id\":\"x3\",\"text\":\"   \",\"label\":\"positive\"}".getBytes(StandardCharsets.UTF_8),
                "{\"text\":\"no id\",\"label\":\"positive\"}".getBytes(StandardCharsets.UTF_8));
        Set<Reason> expected = Set.of(
                Reason.MALFORMED_JSON,
                Reason.UNKNOWN_LABEL,
                Reason.MISSING_LABEL,
                Reason.EMPTY_TEXT,
                Reason.MISSING_ID);
        List<byte[]> keys = List.of(b("k1"), b("k2"), b("k3"), b("k4"), b("k5"));
        try (TrainerService trainer = new TrainerService(config, options())) {
            trainer.start();
            List<RecordMetadata> badAt = produceRaw(topics.examples(), keys, bad);
            produce(topics.examples(), examples(task, "ok", 100, null, false));
            await(
                    "version 1 and five dead letters",
                    WAIT,
                    () -> models(task).size() == 1 && readAll(topics.dlq()).size() >= 5);

            var dlq = readAll(topics.dlq()).stream()
                    .map(DeadLetter::fromDlqRecord)
                    .toList();
            assertEquals(5, dlq.size());
            assertEquals(expected, dlq.stream().map(DeadLetter::reason).collect(Collectors.toSet()));
            for (int i = 0; i < bad.size(); i++) {
                RecordMetadata m = badAt.get(i);
                DeadLetter d = dlq.stream()
                        .filter(x -> x.partition() == m.partition() && x.offset() == m.offset())
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no dead letter for " + m));
                assertEquals(topics.examples(), d.sourceTopic());
                assertTrue(Arrays.equals(bad.get(i), d.value()), "original bytes kept");
                assertTrue(d.message() != null && !d.message().isBlank());
            }
            ModelArtifact v1 = models(task).get(0);
            assertEquals(100, countOf(v1.meta().window()), "only valid examples count");
            assertEquals(
                    105,
                    v1.meta().window().stream()
                            .mapToLong(r -> r.toOffset() - r.fromOffset() + 1)
                            .sum(),
                    "the ranges still span the dead letters' offsets, so the next version joins without a gap");
            assertEquals(
                    1.0,
                    trainer.metrics()
                            .registry()
                            .find(TrainerMetrics.EXAMPLES_REJECTED)
                            .tag("task", task)
                            .tag("reason", Reason.MISSING_ID.name())
                            .counter()
                            .count());
        }
        // A restart must not route the same records again: they passed in a committed transaction.
        try (TrainerService again = new TrainerService(config, options())) {
            again.start();
            produceRaw(topics.examples(), List.of(b("k6")), List.of(b("{\"id\":\"x6\",\"text\":\"meh\"}")));
            await("the sixth dead letter", WAIT, () -> readAll(topics.dlq()).size() >= 6);
            // Dead letters commit with the positions that passed them: once the trainer's offsets reach the end of
            // the examples topic, every dead letter it will ever write for these records is committed.
            Map<Integer, Long> end = endOffsets(topics.examples());
            await("the restarted trainer's offsets at the end", WAIT, () -> {
                try {
                    return end.equals(committed(again.transactionalId(), topics.examples()));
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals(6, readAll(topics.dlq()).size(), "no dead letter is written twice");
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static double consumed(TrainerService t, String task) {
        var c = t.metrics()
                .registry()
                .find(TrainerMetrics.EXAMPLES_CONSUMED)
                .tag("task", task)
                .counter();
        return c == null ? 0 : c.count();
    }

    private static long countOf(List<WindowRange> window) {
        return window.stream().mapToLong(WindowRange::count).sum();
    }

    private static Map<Integer, Long> ends(List<WindowRange> window) {
        Map<Integer, Long> out = new TreeMap<>();
        window.forEach(r -> out.put(r.partition(), r.toOffset() + 1));
        return out;
    }

    /** Every partition's ranges continue exactly where the earlier window's ended (or at 0 when it had none). */
    private static void assertJoined(List<WindowRange> earlier, List<WindowRange> later) {
        Map<Integer, Long> next = ends(earlier);
        for (WindowRange r : later) {
            assertEquals(next.getOrDefault(r.partition(), 0L), r.fromOffset(), "range " + r + " joins " + earlier);
            assertTrue(r.toOffset() >= r.fromOffset());
        }
    }

    /** The end offset of each partition of a topic now. */
    private static Map<Integer, Long> endOffsets(String topic) throws Exception {
        try (Admin admin = SharedKafka.admin()) {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()
                    .forEach(p -> latest.put(
                            new TopicPartition(topic, p.partition()),
                            org.apache.kafka.clients.admin.OffsetSpec.latest()));
            Map<Integer, Long> out = new TreeMap<>();
            admin.listOffsets(latest)
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .forEach((tp, o) -> out.put(tp.partition(), o.offset()));
            return out;
        }
    }

    private static Map<Integer, Long> committed(String group, String topic) throws Exception {
        try (Admin admin = SharedKafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            Map<Integer, Long> out = new HashMap<>();
            offsets.forEach((tp, o) -> {
                if (tp.topic().equals(topic) && o != null) {
                    out.put(tp.partition(), o.offset());
                }
            });
            return new TreeMap<>(out);
        }
    }
}
