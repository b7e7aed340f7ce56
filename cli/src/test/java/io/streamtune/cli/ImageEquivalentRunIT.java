package io.streamtune.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.cli.demo.DemoFeed;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer and scoring images, run as their Dockerfiles run them but without Docker: each is a
 * separate JVM started from the image's entry point and arguments, on the classpath the image's
 * {@code /app/lib} holds ({@link ImageRun}), with the image's environment and the one
 * docker-compose gives it, against the real broker of the tests. The trainer learns from a small
 * generated example set and publishes v1; the scorer serves it.
 *
 * <p>Fails if a service loses its logging provider (no Logback line appears, SLF4J's "no providers"
 * warning does), dumps Kafka's client configuration at INFO, does not serve the version on
 * {@code /health}, does not predict, or does not stop cleanly on SIGTERM.
 */
class ImageEquivalentRunIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TEXT_LINE = Pattern.compile(
            "(?m)^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO |WARN |ERROR) trainer \\[");
    /** The JVM's exit code after SIGTERM once its shutdown hooks (which close the service) have run: 128 + 15. */
    private static final int SIGTERM_EXIT = 143;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    @Timeout(420)
    void shouldRunTrainerScoringAndMonitorImagesThatLogServePredictMonitorAndStopOnSigterm(@TempDir Path dir)
            throws Exception {
        String suffix = EmbeddedKafkaBroker.uniqueSuffix();
        String task = "img" + suffix;
        Path config = dir.resolve("streamtune.yaml");
        Files.writeString(config, """
                kafka: {state.dir: "%s"}
                topics: {partitions: 2}
                trainer: {minHoldout: 5, instanceId: "%s"}
                scoring: {applicationId: "img-%s", encoder: {workers: 1}, batch: {maxWait: 10ms}}
                monitoring: {applicationId: "imgmon-%s", liveMetricsInterval: 1s}
                tasks:
                  - name: %s
                    labels: [negative, neutral, positive]
                    window: {retrainEvery: 60, maxWait: 30s, minNew: 30, size: 1000, holdoutPercent: 20}
                    head: {maxEpochs: 30}
                    monitor: {alertLabel: negative}
                """.formatted(dir.resolve("streams"), suffix, suffix, suffix, task));
        Map<String, String> trainerEnv = composeEnvironment("trainer");
        Map<String, String> scoringEnv = new java.util.HashMap<>(composeEnvironment("scoring"));
        scoringEnv.put("STREAMTUNE_LOG_FORMAT", "json"); // the layout for log shippers, switched by the environment

        ImageRun trainerImage = ImageRun.of("trainer-service", "cpu");
        ImageRun scoringImage = ImageRun.of("scoring-service", null);
        ImageRun monitorImage = ImageRun.of("monitor-service", null);
        int trainerPort = EmbeddedKafkaBroker.freePort();
        int scoringPort = EmbeddedKafkaBroker.freePort();
        int monitorPort = EmbeddedKafkaBroker.freePort();
        Path trainerLog = logFile("trainer");
        Path scoringLog = logFile("scoring");
        Path monitorLog = logFile("monitor");
        Process trainer = start(
                trainerImage,
                Map.of("/config/streamtune.yaml", config.toString(), "9400", Integer.toString(trainerPort)),
                trainerEnv,
                trainerLog);

        TaskTopics topics = TaskTopics.of(task);
        awaitTrue(
                Duration.ofSeconds(90),
                () -> topicExists(topics.examples()),
                () -> "the trainer created its topics\n" + tail(trainerLog));
        DemoFeed feed = new DemoFeed(3);
        Set<String> eventIds = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < 150; i++) {
                DemoFeed.Sample s = feed.next(DemoFeed.Domain.REVIEWS);
                send(
                        producer,
                        topics.examples(),
                        "x-" + i,
                        "{\"id\":\"x-" + i + "\",\"text\":" + quote(s.text()) + ",\"label\":\"" + s.label() + "\"}");
            }
            producer.flush();
            Process scoring = start(
                    scoringImage,
                    Map.of("/config/streamtune.yaml", config.toString(), "9401", Integer.toString(scoringPort)),
                    scoringEnv,
                    scoringLog);
            Process monitor = start(
                    monitorImage,
                    Map.of("/config/streamtune.yaml", config.toString(), "9402", Integer.toString(monitorPort)),
                    composeEnvironment("monitor"),
                    monitorLog);

            awaitTrue(
                    Duration.ofSeconds(150),
                    () -> servedVersion(scoringPort, task) == 1,
                    () -> "the scorer serves v1 on /health\n--- trainer\n" + tail(trainerLog) + "\n--- scoring\n"
                            + tail(scoringLog));
            HttpResponse<String> health = get(scoringPort, "/health");
            assertEquals(200, health.statusCode(), health.body());
            assertEquals("UP", JSON.readTree(health.body()).path("status").asText(), health.body());
            HttpResponse<String> trainerHealth = get(trainerPort, "/health");
            assertEquals(200, trainerHealth.statusCode(), trainerHealth.body());
            assertEquals(
                    1,
                    JSON.readTree(trainerHealth.body())
                            .at("/tasks/" + task + "/championVersion")
                            .asLong(),
                    trainerHealth.body());
            assertEquals(
                    0,
                    composeHealthCheck("scoring", "9401", scoringPort),
                    "compose's health check passes on the running scorer");
            assertEquals(
                    0,
                    composeHealthCheck("trainer", "9400", trainerPort),
                    "compose's health check passes on the running trainer");

            for (int i = 0; i < 20; i++) {
                DemoFeed.Sample s = feed.next(DemoFeed.Domain.REVIEWS);
                eventIds.add("e-" + i);
                send(producer, topics.events(), "e-" + i, "{\"id\":\"e-" + i + "\",\"text\":" + quote(s.text()) + "}");
            }
            producer.flush();
            Set<String> predicted = predictions(topics.predictions(), eventIds.size(), Duration.ofSeconds(90));
            assertEquals(eventIds, predicted, () -> "every event has a prediction by v1\n" + tail(scoringLog));

            // Late labels for the scored events: the monitor joins them to the predictions, live accuracy of v1.
            for (int i = 0; i < 20; i++) {
                DemoFeed.Sample s = feed.next(DemoFeed.Domain.REVIEWS);
                send(
                        producer,
                        topics.examples(),
                        "e-" + i,
                        "{\"id\":\"e-" + i + "\",\"text\":" + quote(s.text()) + ",\"label\":\"" + s.label() + "\"}");
            }
            producer.flush();
            awaitTrue(
                    Duration.ofSeconds(90),
                    () -> liveLabelPairs(monitorPort, task) > 0,
                    () -> "the monitor reports v1's live accuracy from the late labels on /health\n"
                            + tail(monitorLog));
            HttpResponse<String> monitorHealth = get(monitorPort, "/health");
            assertEquals(200, monitorHealth.statusCode(), monitorHealth.body());
            assertEquals(
                    "UP", JSON.readTree(monitorHealth.body()).path("status").asText(), monitorHealth.body());
            assertEquals(
                    0,
                    composeHealthCheck("monitor", "9402", monitorPort),
                    "compose's health check passes on the running monitor");
            monitor.destroy();
            assertTrue(
                    monitor.waitFor(60, TimeUnit.SECONDS),
                    () -> "the monitor stops within 60 s of SIGTERM\n" + tail(monitorLog));
            assertEquals(SIGTERM_EXIT, monitor.exitValue(), () -> tail(monitorLog));

            scoring.destroy(); // SIGTERM, as `docker stop` sends
            trainer.destroy();
            assertTrue(
                    scoring.waitFor(60, TimeUnit.SECONDS),
                    () -> "the scorer stops within 60 s of SIGTERM\n" + tail(scoringLog));
            assertTrue(
                    trainer.waitFor(60, TimeUnit.SECONDS),
                    () -> "the trainer stops within 60 s of SIGTERM\n" + tail(trainerLog));
            assertEquals(SIGTERM_EXIT, scoring.exitValue(), () -> tail(scoringLog));
            assertEquals(SIGTERM_EXIT, trainer.exitValue(), () -> tail(trainerLog));
        }

        String trainerOut = ImageRun.read(trainerLog);
        String scoringOut = ImageRun.read(scoringLog);
        String monitorOut = ImageRun.read(monitorLog);
        assertTrue(monitorOut.contains("[monitor] stopped"), () -> "the monitor says it stopped\n" + monitorOut);
        for (String out : List.of(trainerOut, scoringOut, monitorOut)) {
            assertFalse(
                    out.contains("No SLF4J providers"), () -> "one SLF4J provider on the image's classpath\n" + out);
            assertFalse(
                    out.contains("ProducerConfig values") || out.contains("ConsumerConfig values"),
                    () -> "Kafka's client configuration dumps are DEBUG, not INFO\n" + out);
        }
        assertTrue(
                TEXT_LINE.matcher(trainerOut).find(),
                () -> "the trainer logs Logback's text lines naming the service\n" + trainerOut);
        assertTrue(trainerOut.contains("[trainer] stopped"), () -> "the trainer says it stopped\n" + trainerOut);
        List<JsonNode> scoringLines = jsonLines(scoringOut);
        assertTrue(
                scoringLines.stream()
                        .anyMatch(l -> l.path("formattedMessage").asText().contains("[scoring] starting application")),
                () -> "the scorer logs JSON lines (STREAMTUNE_LOG_FORMAT=json)\n" + scoringOut);
        assertTrue(
                scoringLines.stream().allMatch(l -> l.path("service").asText().equals("scoring")),
                () -> "every JSON line names the service\n" + scoringOut);
        assertTrue(
                scoringLines.stream()
                        .anyMatch(l -> l.path("formattedMessage").asText().equals("[scoring] stopped")),
                () -> "the scorer says it stopped\n" + scoringOut);
    }

    /** The environment docker-compose gives the service, with the compose broker replaced by the test's. */
    private static Map<String, String> composeEnvironment(String service) throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory())
                .readTree(Files.readString(ImageRun.ROOT.resolve("docker-compose.yml")));
        Map<String, String> env = new java.util.HashMap<>();
        compose.at("/services/" + service + "/environment")
                .fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        assertTrue(env.containsKey("STREAMTUNE_BOOTSTRAP_SERVERS"), "compose tells " + service + " where Kafka is");
        env.put("STREAMTUNE_BOOTSTRAP_SERVERS", SharedKafka.bootstrapServers());
        return env;
    }

    /** Runs the service's docker-compose health check command here, against the local port; returns its exit code. */
    private static int composeHealthCheck(String service, String imagePort, int port)
            throws IOException, InterruptedException {
        JsonNode compose = new ObjectMapper(new YAMLFactory())
                .readTree(Files.readString(ImageRun.ROOT.resolve("docker-compose.yml")));
        List<String> test = DeploymentFilesTest.toList(compose.at("/services/" + service + "/healthcheck/test"));
        assertEquals("CMD", test.get(0), service + ": exec-form health check");
        List<String> command = test.subList(1, test.size()).stream()
                .map(a -> a.replace("/dev/tcp/localhost/" + imagePort, "/dev/tcp/localhost/" + port))
                .toList();
        Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(probe.waitFor(10, TimeUnit.SECONDS), service + ": the health check answers within its 5 s timeout");
        return probe.exitValue();
    }

    private Process start(ImageRun image, Map<String, String> replace, Map<String, String> env, Path log)
            throws IOException {
        Process p = image.start(replace, env, log);
        started.add(p);
        return p;
    }

    private static Path logFile(String service) throws IOException {
        Path d = Path.of("target", "image-runs");
        Files.createDirectories(d);
        return d.resolve(service + ".log");
    }

    private static long servedVersion(int port, String task) {
        try {
            HttpResponse<String> r = get(port, "/health");
            return JSON.readTree(r.body()).at("/tasks/" + task + "/version").asLong(0);
        } catch (Exception e) {
            return -1;
        }
    }

    /** The label pairs behind v1's live accuracy on the monitor's /health, 0 while there are none. */
    private static long liveLabelPairs(int port, String task) {
        try {
            HttpResponse<String> r = get(port, "/health");
            return JSON.readTree(r.body())
                    .at("/tasks/" + task + "/liveAccuracy/v1/pairs")
                    .asLong(0);
        } catch (Exception e) {
            return -1;
        }
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static boolean topicExists(String topic) {
        try (var admin = SharedKafka.admin()) {
            return admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic);
        } catch (Exception e) {
            return false;
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = SharedKafka.clientProperties();
        p.put("enable.idempotence", "true");
        p.put("acks", "all");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String value) {
        producer.send(new ProducerRecord<>(
                topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
    }

    private static String quote(String s) throws IOException {
        return JSON.writeValueAsString(s);
    }

    private static Set<String> predictions(String topic, int expected, Duration timeout) throws IOException {
        Properties p = SharedKafka.clientProperties();
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
            while (ids.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    JsonNode prediction = JSON.readTree(r.value());
                    assertEquals(
                            1, prediction.path("modelVersion").asLong(), "predictions name the version in service");
                    ids.add(prediction.path("id").asText());
                }
            }
        }
        return ids;
    }

    private static List<JsonNode> jsonLines(String out) {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (l.startsWith("{")) {
                try {
                    lines.add(JSON.readTree(l));
                } catch (IOException e) {
                    throw new AssertionError("a log line that is not JSON: " + l, e);
                }
            }
        }
        return lines;
    }

    /** Polls for the positive; fails at once when a service process has died meanwhile. */
    private void awaitTrue(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (started.stream().anyMatch(p -> !p.isAlive())) {
                throw new AssertionError("a service process ended early: " + what.get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what.get());
            }
            Thread.sleep(250);
        }
    }

    private static String tail(Path log) {
        String s = ImageRun.read(log);
        return s.length() <= 6000 ? s : "..." + s.substring(s.length() - 6000);
    }
}
