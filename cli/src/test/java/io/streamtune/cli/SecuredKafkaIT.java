package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.cli.demo.DemoFeed;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.monitor.MonitorService;
import io.streamtune.monitor.topology.MonitorTopology;
import io.streamtune.scoring.ScoringService;
import io.streamtune.trainer.TrainerOptions;
import io.streamtune.trainer.TrainerService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * streamtune against a secured cluster: a real broker whose only client listener is SASL_PLAINTEXT
 * and whose StandardAuthorizer denies whatever no ACL allows. Each part logs in as itself with
 * another mechanism (the operator's commands PLAIN, the trainer SCRAM-SHA-256, the scorer and the
 * monitor SCRAM-SHA-512), with only the ACLs of {@code acls.txt}, created by {@code streamtune acls create}
 * as the administrator. topics create, produce, the trainer, the scorer (creating its topics with
 * an Admin of its own, issue 9 fault 9), the monitor (surge alert, live metrics from late labels, purged
 * repartition topics), the trainer reading the alerts and models list all work; a principal without an
 * ACL is refused.
 */
class SecuredKafkaIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startSaslBroker() {
        broker = EmbeddedKafkaBroker.startTemporary(
                new EmbeddedKafkaBroker.Sasl("admin", "admin-secret", Map.of("cli", "cli-secret"), true));
        broker.addScramUser("trainer", "trainer-secret");
        broker.addScramUser("scoring", "scoring-secret");
        broker.addScramUser("monitor", "monitor-secret");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Timeout(480)
    void shouldCreateTopicsProduceTrainScoreMonitorAndListModelsOverSaslWithOnlyTheDocumentedAcls(@TempDir Path dir)
            throws Exception {
        String suffix = EmbeddedKafkaBroker.uniqueSuffix();
        String task = "sec" + suffix;
        TaskTopics topics = TaskTopics.of(task);
        Path admin = config(dir, "admin", "PLAIN", "admin", "admin-secret", task, suffix);
        Path cli = config(dir, "cli", "PLAIN", "cli", "cli-secret", task, suffix);
        Path trainerFile = config(dir, "trainer", "SCRAM-SHA-256", "trainer", "trainer-secret", task, suffix);
        Path scoringFile = config(dir, "scoring", "SCRAM-SHA-512", "scoring", "scoring-secret", task, suffix);
        Path monitorFile = config(dir, "monitor", "SCRAM-SHA-512", "monitor", "monitor-secret", task, suffix);

        assertEquals(0, run("acls", "create", "--config", admin.toString()), "the administrator creates the ACLs");
        Output topicsOut = capture(() -> run("topics", "create", "--config", cli.toString()));
        assertEquals(0, topicsOut.code(), topicsOut.text());
        assertTrue(topicsOut.text().contains("created  " + topics.examples()), topicsOut.text());

        DemoFeed feed = new DemoFeed(5);
        StringBuilder examples = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            DemoFeed.Sample s = feed.next(DemoFeed.Domain.REVIEWS);
            examples.append("{\"id\":\"x-")
                    .append(i)
                    .append("\",\"text\":")
                    .append(JSON.writeValueAsString(s.text()))
                    .append(",\"label\":\"")
                    .append(s.label())
                    .append("\"}\n");
        }
        Path examplesFile = Files.writeString(dir.resolve("examples.jsonl"), examples);
        assertNotEquals(
                0,
                run(
                        "produce",
                        "examples",
                        "--task",
                        task,
                        "--file",
                        examplesFile.toString(),
                        "--config",
                        trainerFile.toString()),
                "the trainer's principal has no ACL to write examples: the authorizer is on");
        assertEquals(
                0,
                run(
                        "produce",
                        "examples",
                        "--task",
                        task,
                        "--file",
                        examplesFile.toString(),
                        "--config",
                        cli.toString()));

        StreamtuneConfig trainerConfig = StreamtuneConfig.load(trainerFile, Map.of(), Map.of());
        StreamtuneConfig scoringConfig = StreamtuneConfig.load(scoringFile, Map.of(), Map.of());
        StreamtuneConfig monitorConfig = StreamtuneConfig.load(monitorFile, Map.of(), Map.of());
        try (TrainerService trainer = new TrainerService(trainerConfig, TrainerOptions.defaults());
                ScoringService scoring = new ScoringService(scoringConfig);
                MonitorService monitor = new MonitorService(monitorConfig)) {
            // The monitor first: its Kafka Streams start (internal topics, group, transactions) overlaps the others'
            // encoder loading and training.
            monitor.start(); // creates missing topics first, with its own Admin
            trainer.start();
            scoring.start(); // the same: over SASL since issue 9 fault 9
            assertTrue(
                    monitor.awaitRunning(Duration.ofSeconds(120)),
                    () -> "the monitor runs over SASL_PLAINTEXT: " + monitor.state());
            writeSurge(scoringConfig, topics.predictions(), task);
            assertTrue(
                    scoring.awaitRunning(Duration.ofSeconds(120)),
                    () -> "the scorer runs over SASL_PLAINTEXT: " + scoring.state());
            long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            while (trainer.championVersions().getOrDefault(task, 0L) < 1
                    && System.nanoTime() < deadline
                    && trainer.isRunning()) {
                Thread.sleep(250);
            }
            assertEquals(
                    1L,
                    trainer.championVersions().get(task),
                    () -> "the trainer published v1 over SASL: " + trainer.failure());

            StringBuilder events = new StringBuilder();
            StringBuilder lateLabels = new StringBuilder();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                ids.add("e-" + i);
                DemoFeed.Sample s = feed.next(DemoFeed.Domain.REVIEWS);
                events.append("{\"id\":\"e-")
                        .append(i)
                        .append("\",\"text\":")
                        .append(JSON.writeValueAsString(s.text()))
                        .append("}\n");
                lateLabels
                        .append("{\"id\":\"e-")
                        .append(i)
                        .append("\",\"text\":")
                        .append(JSON.writeValueAsString(s.text()))
                        .append(",\"label\":\"")
                        .append(s.label())
                        .append("\"}\n");
            }
            Path eventsFile = Files.writeString(dir.resolve("events.jsonl"), events);
            assertEquals(
                    0,
                    run(
                            "produce",
                            "events",
                            "--task",
                            task,
                            "--file",
                            eventsFile.toString(),
                            "--config",
                            cli.toString()));
            assertEquals(
                    ids,
                    predictions(topics.predictions(), ids, Duration.ofSeconds(120)),
                    "every event is scored by the scorer logged in with SCRAM-SHA-512");

            // Late labels for the scored events: the monitor joins them to their predictions and writes live metrics.
            Path labelsFile = Files.writeString(dir.resolve("late-labels.jsonl"), lateLabels);
            assertEquals(
                    0,
                    run(
                            "produce",
                            "examples",
                            "--task",
                            task,
                            "--file",
                            labelsFile.toString(),
                            "--config",
                            cli.toString()));
            LiveMetrics live = liveMetrics(task, Duration.ofSeconds(60));
            assertEquals(1L, live.modelVersion(), live::toString);
            assertTrue(live.pairs() > 0, live::toString);

            // The trainer's principal reads the monitor's alert as its drift reader will: read_committed, manual
            // assignment, its own group (committed offsets need the group ACL, the records the topic's READ).
            Alert raised = alertAsTrainer(
                    trainerConfig, topics.alerts(), "streamtune-trainer-" + task + "-alerts", Duration.ofSeconds(60));
            assertEquals(Alert.State.RAISED, raised.state(), raised::toString);
            assertEquals(SURGING_ENTITY, raised.entity(), raised::toString);

            String repartition =
                    "sec-mon-" + suffix + "-" + new MonitorTopology.Names(task).predictionsByTask() + "-repartition";
            assertTrue(
                    purged(repartition, Duration.ofSeconds(30)),
                    () -> repartition + " is purged by the monitor"
                            + " (DeleteRecords needs DELETE on its application id's topics)");
            assertEquals(KafkaStreams.State.RUNNING, monitor.state());
            assertEquals("UP", monitor.health().get("status"), () -> "monitor health: " + monitor.health());
        }

        Output list = capture(() -> run("models", "list", "--task", task, "--config", cli.toString()));
        assertEquals(0, list.code(), list.text());
        assertTrue(list.text().contains("v1") && list.text().contains("PUBLISHED"), list.text());
        assertTrue(
                list.text().lines().anyMatch(l -> l.startsWith("v1 ") && l.matches(".* \\d\\.\\d{4} \\(\\d+\\).*")),
                () -> "models list shows the monitor's live accuracy beside v1: " + list.text());
    }

    private static final String SURGING_ENTITY = "Initech";

    /**
     * Predictions about one entity, written as the scorer (its principal writes the predictions topic), in
     * event time ten minutes ago: a tumbling window of 10 s with 8 neutral, the next with 8 negative, and one
     * record past that window's end + grace to close it. The baseline after the first window (warm-up 1) is 0,
     * so the second RAISES (share 1 over 0 + margin 0.5).
     */
    private static void writeSurge(StreamtuneConfig scoringConfig, String topic, String task) throws Exception {
        long t0 = (System.currentTimeMillis() - 600_000) / 10_000 * 10_000;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int s = 0; s < 23; s++) {
            String label = s >= 10 && s < 18 ? "negative" : s < 8 || s == 22 ? "neutral" : null;
            if (label == null) {
                continue;
            }
            long ts = t0 + s * 1_000L + 500;
            Prediction p = new Prediction(
                    "surge-" + s, task, label, Map.of(label, 0.9), 1, ts, 1.0, Map.of("entity", SURGING_ENTITY));
            // One key: one partition, so the monitor sees them in this order.
            records.add(new ProducerRecord<>(
                    topic, null, ts, SURGING_ENTITY.getBytes(StandardCharsets.UTF_8), Json.write(p)));
        }
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaClients.of(scoringConfig).producer(Map.of())) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The first live-metrics record of {@code task} on streamtune.model-events, read as the administrator. */
    private static LiveMetrics liveMetrics(String task, Duration timeout) throws Exception {
        Properties p = broker.adminClientProperties();
        p.put("isolation.level", "read_committed");
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(TaskTopics.MODEL_EVENTS, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (RecordType.of(r.headers()) == RecordType.LIVE_METRICS
                            && r.key() != null
                            && task.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        return Json.read(r.value(), LiveMetrics.class);
                    }
                }
            }
        }
        throw new AssertionError(
                "no live-metrics record of " + task + " on " + TaskTopics.MODEL_EVENTS + " within " + timeout);
    }

    /**
     * The first alert on {@code topic}, read with the trainer's login and {@code group}: positions from the
     * group's committed offsets (none yet: earliest), then committed. A missing READ on the topic fails the poll
     * with TopicAuthorizationException.
     */
    private static Alert alertAsTrainer(StreamtuneConfig trainerConfig, String topic, String group, Duration timeout)
            throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.of(trainerConfig)
                .consumer(Map.of(
                        "group.id",
                        group,
                        "isolation.level",
                        "read_committed",
                        "auto.offset.reset",
                        "earliest",
                        "enable.auto.commit",
                        "false"))) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    c.commitSync();
                    return Alert.parse(r.value());
                }
            }
        }
        throw new AssertionError("no alert on " + topic + " within " + timeout);
    }

    /** Whether partition 0 of {@code topic} starts after offset 0 within {@code timeout} (records were deleted). */
    private static boolean purged(String topic, Duration timeout) throws Exception {
        try (Admin admin = Admin.create(broker.adminClientProperties())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                long earliest = admin.listOffsets(Map.of(tp, OffsetSpec.earliest()))
                        .partitionResult(tp)
                        .get(30, TimeUnit.SECONDS)
                        .offset();
                if (earliest > 0) {
                    return true;
                }
                Thread.sleep(200);
            }
        }
        return false;
    }

    /** A configuration file whose kafka section logs in as {@code user}; everything else as the other parts'. */
    private static Path config(
            Path dir, String name, String mechanism, String user, String password, String task, String suffix)
            throws Exception {
        Map<String, String> login = EmbeddedKafkaBroker.Sasl.clientSettings(mechanism, user, password);
        return Files.writeString(dir.resolve(name + ".yaml"), """
                kafka:
                  bootstrap.servers: "%s"
                  security.protocol: %s
                  sasl.mechanism: %s
                  sasl.jaas.config: '%s'
                  state.dir: "%s"
                  repartition.purge.interval.ms: 200
                topics: {partitions: 2}
                trainer: {minHoldout: 5, metricsPort: -1}
                scoring: {applicationId: "sec-%s", metricsPort: -1, encoder: {workers: 1}, batch: {maxWait: 10ms}}
                monitoring: {applicationId: "sec-mon-%s", metricsPort: -1, liveMetricsInterval: 200ms,
                             commitInterval: 50ms}
                tasks:
                  - name: %s
                    labels: [negative, neutral, positive]
                    window: {retrainEvery: 60, maxWait: 30s, minNew: 30, size: 1000, holdoutPercent: 20}
                    head: {maxEpochs: 30}
                    monitor:
                      alertLabel: negative
                      window: 10s
                      advance: 10s
                      grace: 1s
                      minCount: 5
                      baseline: {alpha: 0.5, warmup: 1}
                      rule: {margin: 0.5, zScore: 0, clearMargin: 0.1}
                """.formatted(
                        broker.bootstrapServers(),
                        login.get("security.protocol"),
                        mechanism,
                        login.get("sasl.jaas.config"),
                        dir.resolve("streams-" + name),
                        suffix,
                        suffix,
                        task));
    }

    private static int run(String... args) {
        return StreamtuneCommand.run(args);
    }

    private record Output(int code, String text) {}

    private static synchronized Output capture(java.util.function.IntSupplier command) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            int code = command.getAsInt();
            return new Output(code, buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    /** The ids of {@code expected} found on the predictions topic within {@code timeout} (others are skipped). */
    private static Set<String> predictions(String topic, Set<String> expected, Duration timeout) throws Exception {
        Properties p = broker.adminClientProperties();
        p.put("isolation.level", "read_committed");
        Set<String> ids = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ids.size() < expected.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    JsonNode prediction = JSON.readTree(r.value());
                    String id = prediction.path("id").asText();
                    if (expected.contains(id)) {
                        ids.add(id);
                    }
                }
            }
        }
        return ids;
    }
}
