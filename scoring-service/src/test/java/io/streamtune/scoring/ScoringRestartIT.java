package io.streamtune.scoring;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.testing.TestModels;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What serves, and how fast, after the scorer restarts (issue 9, faults 2, 5 and 10) on the real broker.
 */
class ScoringRestartIT {
    private static final List<String> LABELS = List.of("negative", "positive");
    private static final Backbones BACKBONES = TestModels.backbones();

    @TempDir
    Path tmp;

    private StreamtuneConfig config(String task, Path stateDir) throws Exception {
        return config(SharedKafka.bootstrapServers(), task, stateDir);
    }

    private StreamtuneConfig config(String bootstrap, String task, Path stateDir) throws Exception {
        return StreamtuneConfig.parse("""
                kafka: {bootstrap.servers: "%s", state.dir: "%s"}
                topics: {partitions: 2}
                tasks:
                  - name: %s
                    labels: [negative, positive]
                """.formatted(bootstrap, stateDir, task), Map.of(), Map.of());
    }

    private static ScoringSettings settings(String appId, int metricsPort) {
        return new ScoringSettings(
                appId, 8, Duration.ofMillis(20), 10_000, Duration.ofMillis(100), 1, 1, metricsPort, true, Map.of(), "");
    }

    private static KafkaClients clients() {
        return clients(SharedKafka.bootstrapServers());
    }

    private static KafkaClients clients(String bootstrap) {
        return KafkaClients.of(Map.of("bootstrap.servers", bootstrap));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void sendEvents(KafkaProducer<byte[], byte[]> p, String task, String prefix, int n)
            throws Exception {
        for (int i = 0; i < n; i++) {
            String id = prefix + i;
            p.send(new ProducerRecord<>(
                    TaskTopics.of(task).events(), b(id), b("{\"id\":\"" + id + "\",\"text\":\"fine\"}")));
        }
        p.flush();
    }

    /** Every committed prediction of the task, read to the topic's end (call it once every writer has closed). */
    private static Map<String, List<Prediction>> predictions(String task) throws Exception {
        return predictions(clients(), task);
    }

    private static Map<String, List<Prediction>> predictions(KafkaClients clients, String task) throws Exception {
        Map<String, List<Prediction>> byId = new HashMap<>();
        String topic = TaskTopics.of(task).predictions();
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer(Map.of("isolation.level", "read_committed"))) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    Prediction p = Json.read(r.value(), Prediction.class);
                    byId.computeIfAbsent(p.id(), k -> new ArrayList<>()).add(p);
                }
            }
        }
        return byId;
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldServeTheNewestValidVersionAfterARestartWhateverWasWrittenLast() throws Exception {
        String task = SharedKafka.uniqueName("lastrec");
        StreamtuneConfig cfg = config(task, tmp.resolve("s"));
        try (var admin = clients().admin()) {
            io.streamtune.common.topic.TopicAdmin.ensure(admin, cfg.topicLayout());
        }
        ModelArtifact v12 = TestModels.constant(task, 12, LABELS, 0f, 2f); // says positive
        ModelArtifact v3 = TestModels.constant(task, 3, LABELS, 2f, 0f); // says negative
        try (KafkaProducer<byte[], byte[]> p = clients().producer(Map.of("max.request.size", "20000000"))) {
            // v12 as the trainer publishes it (model and audit), then an older genuine version and garbage last.
            p.send(new ProducerRecord<>(TaskTopics.MODELS, b(task), v12.toBytes()));
            p.send(new ProducerRecord<>(TaskTopics.MODEL_EVENTS, b(task), Json.write(published(v12))));
            p.send(new ProducerRecord<>(TaskTopics.MODELS, b(task), v3.toBytes()));
            p.send(new ProducerRecord<>(TaskTopics.MODELS, b(task), b("{\"not\":\"a model\"}")));
            sendEvents(p, task, "e-", 20);
        }
        try (ScoringService service =
                new ScoringService(cfg, settings(SharedKafka.uniqueName("lastrec-app"), -1), BACKBONES)) {
            service.start();
            assertEquals(
                    12L,
                    service.models().servedVersion(task).getAsLong(),
                    "the newest valid version, found in the audit log");
            assertTrue(service.awaitRunning(Duration.ofSeconds(60)));
            await(
                    "predictions",
                    Duration.ofSeconds(60),
                    () -> service
                                    .metrics()
                                    .registry()
                                    .find(io.streamtune.scoring.monitor.ScoringMetrics.PREDICTIONS)
                                    .counters()
                                    .stream()
                                    .mapToDouble(c -> c.count())
                                    .sum()
                            >= 20);
        }
        Map<String, List<Prediction>> out = predictions(task);
        assertEquals(20, out.size());
        out.forEach((id, ps) -> {
            assertEquals(1, ps.size(), "one prediction of " + id);
            assertEquals(12, ps.get(0).modelVersion(), id + " was scored by v12, not the older v3 written last");
            assertEquals("positive", ps.get(0).label());
        });
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldRejoinAsTheSameMemberAfterACrashWithoutWaitingOutItsSession() throws Exception {
        String task = SharedKafka.uniqueName("crash");
        String appId = SharedKafka.uniqueName("crash-app");
        Path stateDir = tmp.resolve("state");
        StreamtuneConfig cfg = config(task, stateDir);
        String firstId;
        List<String> firstThreads;
        try (KafkaProducer<byte[], byte[]> p = clients().producer(Map.of())) {
            ScoringService first = new ScoringService(cfg, settings(appId, -1), BACKBONES);
            first.start();
            assertTrue(first.awaitRunning(Duration.ofSeconds(60)));
            p.send(new ProducerRecord<>(
                            TaskTopics.MODELS,
                            b(task),
                            TestModels.constant(task, 1, LABELS, 0f, 2f).toBytes()))
                    .get();
            sendEvents(p, task, "a-", 30);
            firstId = first.instanceId();
            firstThreads = first.streamThreadNames();
            await(
                    "predictions before the crash",
                    Duration.ofSeconds(60),
                    () -> first
                                    .metrics()
                                    .registry()
                                    .find(io.streamtune.scoring.monitor.ScoringMetrics.PREDICTIONS)
                                    .counters()
                                    .stream()
                                    .mapToDouble(c -> c.count())
                                    .sum()
                            >= 10);
            first.closeWithoutLeavingGroup(); // as kill -9 leaves it: the member stays until its session expires
            sendEvents(p, task, "b-", 30);
        }
        long t0 = System.nanoTime();
        try (ScoringService second = new ScoringService(cfg, settings(appId, -1), BACKBONES)) {
            second.start();
            assertEquals(firstId, second.instanceId(), "the same state directory, the same member");
            assertTrue(second.awaitRunning(Duration.ofSeconds(60)));
            // The same Streams process id, hence the same transactional ids: a crashed predecessor's open transaction
            // is fenced and aborted at once instead of holding the partitions until it times out.
            assertEquals(firstThreads, second.streamThreadNames(), "the same process id after the restart");
            double seconds = (System.nanoTime() - t0) / 1e9;
            // A new member would wait for the dead one's session to expire (45 s by default) before RUNNING.
            assertTrue(seconds < 25, "RUNNING " + seconds + " s after the restart");
            await("all 60 events predicted", Duration.ofSeconds(60), () -> {
                try {
                    return predictions(task).size() >= 60;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        Map<String, List<Prediction>> out = predictions(task); // every writer closed: whatever is committed is here
        assertEquals(60, out.size());
        out.forEach((id, ps) -> assertEquals(1, ps.size(), "one prediction of " + id));
    }

    /**
     * After a broker crash, Kafka 4.3.1's group coordinator answered committed offsets 150 s older than the
     * transactions it had committed (docs/DESIGN-NOTES.md, "Records read again"): the scorer read again events whose predictions
     * were committed. The same position, made here by moving the group's offsets back while the scorer is down,
     * must not score them twice: the partition's progress in its changelogged store says they were taken.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldNotScoreAgainEventsReadBelowTheProgressItsCommittedStateRecorded() throws Exception {
        String task = SharedKafka.uniqueName("behind");
        String appId = SharedKafka.uniqueName("behind-app");
        StreamtuneConfig cfg = config(task, tmp.resolve("behind"));
        try (KafkaProducer<byte[], byte[]> p = clients().producer(Map.of())) {
            try (ScoringService first = new ScoringService(cfg, settings(appId, -1), BACKBONES)) {
                first.start();
                assertTrue(first.awaitRunning(Duration.ofSeconds(60)));
                p.send(new ProducerRecord<>(
                                TaskTopics.MODELS,
                                b(task),
                                TestModels.constant(task, 1, LABELS, 0f, 2f).toBytes()))
                        .get();
                sendEvents(p, task, "a-", 30);
                await("30 committed predictions", Duration.ofSeconds(60), () -> committedPredictions(task) >= 30);
            } // leaves the group, so that its offsets can be moved
            String events = TaskTopics.of(task).events();
            try (var admin = clients().admin()) {
                admin.alterConsumerGroupOffsets(
                                appId,
                                Map.of(
                                        new TopicPartition(events, 0),
                                                new org.apache.kafka.clients.consumer.OffsetAndMetadata(0),
                                        new TopicPartition(events, 1),
                                                new org.apache.kafka.clients.consumer.OffsetAndMetadata(0)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            sendEvents(p, task, "b-", 10);
        }
        double alreadyScored;
        try (ScoringService second = new ScoringService(cfg, settings(appId, -1), BACKBONES)) {
            second.start();
            assertTrue(second.awaitRunning(Duration.ofSeconds(60)));
            // Each partition is read in order: once the b- events are predicted, the a- events before them were read.
            await("the 10 new events predicted", Duration.ofSeconds(60), () -> predictionsOf(task, "b-") >= 10);
            alreadyScored =
                    second
                            .metrics()
                            .registry()
                            .find(io.streamtune.scoring.monitor.ScoringMetrics.ALREADY_SCORED)
                            .counters()
                            .stream()
                            .mapToDouble(c -> c.count())
                            .sum();
        }
        Map<String, List<Prediction>> out = predictions(task); // every writer closed: whatever is committed is here
        out.forEach((id, ps) -> assertEquals(1, ps.size(), "one prediction of " + id + ", got " + ps.size()));
        assertEquals(40, out.size());
        assertEquals(30, alreadyScored, "the 30 events read again are counted as already scored");
    }

    private static int committedPredictions(String task) {
        return predictionsOf(task, "");
    }

    /** Committed predictions of the events whose id starts with {@code prefix}. */
    private static int predictionsOf(String task, String prefix) {
        return predictionsOf(clients(), task, prefix);
    }

    private static int predictionsOf(KafkaClients clients, String task, String prefix) {
        try {
            return predictions(clients, task).entrySet().stream()
                    .filter(e -> e.getKey().startsWith(prefix))
                    .mapToInt(e -> e.getValue().size())
                    .sum();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldReportDegradedWhileEventsAreHeldAndUpOnceAVersionServes() throws Exception {
        String task = SharedKafka.uniqueName("held");
        StreamtuneConfig cfg = config(task, tmp.resolve("h"));
        try (ScoringService service =
                        new ScoringService(cfg, settings(SharedKafka.uniqueName("held-app"), 0), BACKBONES);
                KafkaProducer<byte[], byte[]> p = clients().producer(Map.of())) {
            service.start();
            assertTrue(service.awaitRunning(Duration.ofSeconds(60)));
            sendEvents(p, task, "h-", 10);
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.URI health = java.net.URI.create("http://localhost:" + service.metricsPort() + "/health");
            String[] body = new String[1];
            int[] status = new int[1];
            java.util.function.BooleanSupplier fetch = () -> {
                try {
                    var r = http.send(
                            java.net.http.HttpRequest.newBuilder(health).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    status[0] = r.statusCode();
                    body[0] = r.body();
                    return true;
                } catch (Exception e) {
                    return false;
                }
            };
            await(
                    "DEGRADED with events held",
                    Duration.ofSeconds(30),
                    () -> fetch.getAsBoolean() && status[0] == 503 && body[0].contains("events held"));
            assertTrue(body[0].contains("\"status\":\"DEGRADED\"") && body[0].contains("none yet"), body[0]);
            assertTrue(service.meterRegistry()
                            .find(io.streamtune.scoring.monitor.ScoringMetrics.EVENTS_HELD)
                            .gauge()
                            .value()
                    >= 10);
            p.send(new ProducerRecord<>(
                            TaskTopics.MODELS,
                            b(task),
                            TestModels.constant(task, 1, LABELS, 0f, 2f).toBytes()))
                    .get();
            await("UP once v1 serves", Duration.ofSeconds(60), () -> fetch.getAsBoolean() && status[0] == 200);
            assertTrue(body[0].contains("\"status\":\"UP\""), body[0]);
        }
    }

    /**
     * The state directory outlives the cluster it was written against (a demo run, a test, a broker whose data was
     * wiped). What the scorer kept there (the version each partition last used, its input progress) belongs to the
     * old cluster's logs: a scorer started against another cluster must start from that cluster's state. Here the
     * old cluster served v5; on the new one only v1 exists, and a kept "last used v5" would hold every event. Kafka
     * Streams restores from scratch by itself only when the new changelog is shorter than the old checkpoint.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldStartFromTheNewClustersStateWhenTheStateDirectoryWasWrittenAgainstAnother() throws Exception {
        String task = "stale";
        String appId = "stale-app";
        Path stateDir = tmp.resolve("shared-state");
        try (EmbeddedKafkaBroker old = EmbeddedKafkaBroker.startTemporary()) {
            scoreTwentyEvents(old.bootstrapServers(), appId, task, stateDir, 5, "old-"); // closes cleanly: checkpoints
        }
        try (EmbeddedKafkaBroker fresh = EmbeddedKafkaBroker.startTemporary()) {
            KafkaClients freshClients = clients(fresh.bootstrapServers());
            // The new cluster's store changelog is longer than the old checkpoints (as a busy cluster's would be),
            // with none of the old keys: Kafka Streams then sees nothing wrong and replays only the tail.
            String changelog = appId + "-scorer-" + task + "-served-version-changelog";
            try (var admin = freshClients.admin();
                    KafkaProducer<byte[], byte[]> p = freshClients.producer(Map.of())) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(changelog, 2, (short) 1)
                                .configs(Map.of("cleanup.policy", "compact"))))
                        .all()
                        .get(30, TimeUnit.SECONDS);
                for (int i = 0; i < 200; i++) {
                    p.send(new ProducerRecord<>(changelog, i % 2, b("unrelated-" + i), new byte[8]));
                }
                p.flush();
            }
            scoreTwentyEvents(fresh.bootstrapServers(), appId, task, stateDir, 1, "new-");
            predictions(freshClients, task).forEach((id, ps) -> {
                assertEquals(1, ps.size(), "one prediction of " + id);
                assertEquals(1, ps.get(0).modelVersion(), id + " scored by the new cluster's v1");
            });
        }
    }

    /**
     * Starts a scorer against {@code bootstrap} on {@code stateDir}, publishes a constant model {@code version},
     * sends 20 events with ids {@code prefix<n>}, waits up to 60 s for their predictions and closes the scorer.
     */
    private void scoreTwentyEvents(
            String bootstrap, String appId, String task, Path stateDir, long version, String prefix) throws Exception {
        KafkaClients clients = clients(bootstrap);
        try (KafkaProducer<byte[], byte[]> p = clients.producer(Map.of());
                ScoringService scorer =
                        new ScoringService(config(bootstrap, task, stateDir), settings(appId, -1), BACKBONES)) {
            scorer.start();
            assertTrue(scorer.awaitRunning(Duration.ofSeconds(60)));
            p.send(new ProducerRecord<>(
                            TaskTopics.MODELS,
                            b(task),
                            TestModels.constant(task, version, LABELS, 0f, 2f).toBytes()))
                    .get();
            sendEvents(p, task, prefix, 20);
            await(
                    "20 predictions of " + prefix + " events on " + bootstrap,
                    Duration.ofSeconds(60),
                    () -> predictionsOf(clients, task, prefix) >= 20);
        }
    }

    private static ModelEvent published(ModelArtifact a) {
        var m = a.meta();
        return new ModelEvent(
                m.task(),
                m.version(),
                m.parentVersion(),
                ModelEvent.Decision.PUBLISHED,
                m.metrics(),
                null,
                "test",
                m.window(),
                0,
                0,
                0,
                m.encoderId(),
                m.createdAtMillis(),
                a.toBytes(),
                "head",
                "cpu",
                "retrainEvery");
    }
}
