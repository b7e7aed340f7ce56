package io.streamtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.cli.demo.DemoFeed;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.ScoringService;
import io.streamtune.trainer.TrainerOptions;
import io.streamtune.trainer.TrainerService;

/**
 * streamtune against a secured cluster: a real broker whose only client listener is SASL_PLAINTEXT
 * and whose StandardAuthorizer denies whatever no ACL allows. Each part logs in as itself with
 * another mechanism (the operator's commands PLAIN, the trainer SCRAM-SHA-256, the scorer
 * SCRAM-SHA-512), with only the ACLs of {@code acls.txt}, created by {@code streamtune acls create}
 * as the administrator. topics create, produce, the trainer, the scorer (creating its topics with
 * an Admin of its own, issue 9 fault 9) and models list all work; a principal without an ACL is refused.
 */
class SecuredKafkaIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startSaslBroker() {
        broker = EmbeddedKafkaBroker.startTemporary(new EmbeddedKafkaBroker.Sasl("admin", "admin-secret",
                Map.of("cli", "cli-secret"), true));
        broker.addScramUser("trainer", "trainer-secret");
        broker.addScramUser("scoring", "scoring-secret");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Timeout(480)
    void shouldCreateTopicsProduceTrainScoreAndListModelsOverSaslWithOnlyTheDocumentedAcls(@TempDir Path dir)
            throws Exception {
        String suffix = EmbeddedKafkaBroker.uniqueSuffix();
        String task = "sec" + suffix;
        TaskTopics topics = TaskTopics.of(task);
        Path admin = config(dir, "admin", "PLAIN", "admin", "admin-secret", task, suffix);
        Path cli = config(dir, "cli", "PLAIN", "cli", "cli-secret", task, suffix);
        Path trainerFile = config(dir, "trainer", "SCRAM-SHA-256", "trainer", "trainer-secret", task, suffix);
        Path scoringFile = config(dir, "scoring", "SCRAM-SHA-512", "scoring", "scoring-secret", task, suffix);

        assertEquals(0, run("acls", "create", "--config", admin.toString()), "the administrator creates the ACLs");
        Output topicsOut = capture(() -> run("topics", "create", "--config", cli.toString()));
        assertEquals(0, topicsOut.code(), topicsOut.text());
        assertTrue(topicsOut.text().contains("created  " + topics.examples()), topicsOut.text());

        DemoFeed feed = new DemoFeed(5);
        StringBuilder examples = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            DemoFeed.Sample s = feed.next(DemoFeed.Domain.REVIEWS);
            examples.append("{\"id\":\"x-").append(i).append("\",\"text\":").append(JSON.writeValueAsString(s.text()))
                    .append(",\"label\":\"").append(s.label()).append("\"}\n");
        }
        Path examplesFile = Files.writeString(dir.resolve("examples.jsonl"), examples);
        assertNotEquals(0, run("produce", "examples", "--task", task, "--file", examplesFile.toString(), "--config",
                trainerFile.toString()),
                "the trainer's principal has no ACL to write examples: the authorizer is on");
        assertEquals(0, run("produce", "examples", "--task", task, "--file", examplesFile.toString(), "--config",
                cli.toString()));

        StreamtuneConfig trainerConfig = StreamtuneConfig.load(trainerFile, Map.of(), Map.of());
        StreamtuneConfig scoringConfig = StreamtuneConfig.load(scoringFile, Map.of(), Map.of());
        try (TrainerService trainer = new TrainerService(trainerConfig, TrainerOptions.defaults());
             ScoringService scoring = new ScoringService(scoringConfig)) {
            trainer.start();
            scoring.start();   // creates missing topics first, with its own Admin: over SASL since issue 9 fault 9
            assertTrue(scoring.awaitRunning(Duration.ofSeconds(120)), () -> "the scorer runs over SASL_PLAINTEXT: "
                    + scoring.state());
            long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            while (trainer.championVersions().getOrDefault(task, 0L) < 1 && System.nanoTime() < deadline
                    && trainer.isRunning()) {
                Thread.sleep(250);
            }
            assertEquals(1L, trainer.championVersions().get(task), () -> "the trainer published v1 over SASL: "
                    + trainer.failure());

            StringBuilder events = new StringBuilder();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                ids.add("e-" + i);
                events.append("{\"id\":\"e-").append(i).append("\",\"text\":")
                        .append(JSON.writeValueAsString(feed.next(DemoFeed.Domain.REVIEWS).text())).append("}\n");
            }
            Path eventsFile = Files.writeString(dir.resolve("events.jsonl"), events);
            assertEquals(0, run("produce", "events", "--task", task, "--file", eventsFile.toString(), "--config",
                    cli.toString()));
            assertEquals(ids, predictions(topics.predictions(), ids.size(), Duration.ofSeconds(120)),
                    "every event is scored by the scorer logged in with SCRAM-SHA-512");
        }

        Output list = capture(() -> run("models", "list", "--task", task, "--config", cli.toString()));
        assertEquals(0, list.code(), list.text());
        assertTrue(list.text().contains("v1") && list.text().contains("PUBLISHED"), list.text());
    }

    /** A configuration file whose kafka section logs in as {@code user}; everything else as the other parts'. */
    private static Path config(Path dir, String name, String mechanism, String user, String password, String task,
            String suffix)
            throws Exception {
        Map<String, String> login = EmbeddedKafkaBroker.Sasl.clientSettings(mechanism, user, password);
        return Files.writeString(dir.resolve(name + ".yaml"), """
                kafka:
                  bootstrap.servers: "%s"
                  security.protocol: %s
                  sasl.mechanism: %s
                  sasl.jaas.config: '%s'
                  state.dir: "%s"
                topics: {partitions: 2}
                trainer: {minHoldout: 5, metricsPort: -1}
                scoring: {applicationId: "sec-%s", metricsPort: -1, encoder: {workers: 1}, batch: {maxWait: 10ms}}
                tasks:
                  - name: %s
                    labels: [negative, neutral, positive]
                    window: {retrainEvery: 60, maxWait: 30s, minNew: 30, size: 1000, holdoutPercent: 20}
                    head: {maxEpochs: 30}
                """.formatted(broker.bootstrapServers(), login.get("security.protocol"), mechanism,
                login.get("sasl.jaas.config"),
                dir.resolve("streams-" + name), suffix, task));
    }

    private static int run(String... args) {
        return StreamtuneCommand.run(args);
    }

    private record Output(int code, String text) {
    }

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

    private static Set<String> predictions(String topic, int expected, Duration timeout) throws Exception {
        Properties p = broker.adminClientProperties();
        p.put("isolation.level", "read_committed");
        Set<String> ids = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic,
                    i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ids.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    JsonNode prediction = JSON.readTree(r.value());
                    ids.add(prediction.path("id").asText());
                }
            }
        }
        return ids;
    }
}
