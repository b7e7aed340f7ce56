package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.cli.images.ImageFixtures;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.DeadLetter;
import io.streamtune.common.event.Reason;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.ScoringService;
import io.streamtune.testing.SharedKafka;
import io.streamtune.trainer.TrainerOptions;
import io.streamtune.trainer.TrainerService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An image task from end to end on the real broker, as a user runs it: {@code produce examples --images}
 * of an ImageFolder of generated bars (horizontal / vertical), the trainer trains a CNN on the window,
 * gates and publishes v1 (its pack inline), the scorer opens it and scores events produced with
 * {@code produce events --images}: every event gets a prediction naming v1, nearly all right; an event
 * whose image is not an image goes to the DLQ as {@code IMAGE_UNDECODABLE}. A second window of examples
 * gives v2, fine-tuned from v1, which the scorer swaps in: later events name v2.
 *
 * <p>Fails before image tasks were wired: the trainer refused image tasks at construction, the scorer
 * skipped them, and {@code Backbones} could not open an {@code image-cnn} backbone.
 */
class ImageTaskEndToEndIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(180)
    void shouldTrainPublishScoreAndHotSwapAnImageTaskWithPredictionsNamingTheVersion(@TempDir Path dir)
            throws Exception {
        String task = SharedKafka.uniqueName("img");
        TaskTopics topics = TaskTopics.of(task);
        Path config = Files.writeString(dir.resolve("streamtune.yaml"), """
                kafka:
                  bootstrap.servers: "%s"
                  state.dir: "%s"
                topics: {partitions: 1}
                trainer: {minHoldout: 5, metricsPort: -1}
                scoring: {applicationId: "%s-scoring", metricsPort: -1, encoder: {workers: 1}, batch: {maxWait: 10ms}}
                tasks:
                  - name: %s
                    modality: image
                    labels: [horizontal, vertical]
                    window: {retrainEvery: 120, maxWait: 30s, minNew: 60, size: 1000, holdoutPercent: 20}
                    image: {size: 16, channels: 1}
                    cnn: {layers: 8, epochs: 4, batchSize: 16, learningRate: 0.01, seed: 7}
                """.formatted(
                        SharedKafka.bootstrapServers(), dir.resolve("state"), task, task));
        Path examples = dir.resolve("examples");
        ImageFixtures.writeImageFolder(examples, 60, 11);
        Path events = Files.createDirectories(dir.resolve("events"));
        Map<String, String> truth = new HashMap<>();
        Random r = new Random(12);
        for (int i = 0; i < 20; i++) {
            int label = i % 2;
            String id = "ev-" + i;
            ImageIO.write(
                    ImageFixtures.bar(label, 20, r),
                    "png",
                    events.resolve(id + ".png").toFile());
            truth.put(id, label == 0 ? "horizontal" : "vertical");
        }

        long t0 = System.nanoTime();
        assertEquals(0, run("topics", "create", "--config", config.toString()));
        assertEquals(
                0,
                run(
                        "produce",
                        "examples",
                        "--task",
                        task,
                        "--images",
                        examples.toString(),
                        "--config",
                        config.toString()));
        StreamtuneConfig cfg = StreamtuneConfig.load(config, Map.of(), Map.of());
        try (TrainerService trainer = new TrainerService(cfg, TrainerOptions.defaults());
                ScoringService scoring = new ScoringService(cfg)) {
            trainer.start();
            scoring.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (trainer.championVersions().getOrDefault(task, 0L) < 1
                    && System.nanoTime() < deadline
                    && trainer.isRunning()) {
                Thread.sleep(100);
            }
            assertEquals(
                    1L,
                    trainer.championVersions().get(task),
                    () -> "the trainer published an image v1: " + trainer.failure() + " " + trainer.health());
            assertTrue(scoring.awaitRunning(Duration.ofSeconds(60)), () -> "scorer state " + scoring.state());

            assertEquals(
                    0,
                    run(
                            "produce",
                            "events",
                            "--task",
                            task,
                            "--images",
                            events.toString(),
                            "--config",
                            config.toString()));
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                    SharedKafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
                String notAnImage = java.util.Base64.getEncoder()
                        .encodeToString("this is text, not a picture".getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(
                                topics.events(),
                                "bad".getBytes(StandardCharsets.UTF_8),
                                ("{\"id\":\"bad\",\"image\":\"" + notAnImage + "\"}").getBytes(StandardCharsets.UTF_8)))
                        .get();
            }

            List<JsonNode> predictions = read(topics.predictions(), 20, Duration.ofSeconds(60));
            assertEquals(
                    truth.keySet(),
                    new java.util.HashSet<>(
                            predictions.stream().map(p -> p.path("id").asText()).toList()),
                    "one prediction per image event");
            int right = 0;
            for (JsonNode p : predictions) {
                assertEquals(1L, p.path("modelVersion").asLong(), () -> "prediction names the version: " + p);
                if (truth.get(p.path("id").asText()).equals(p.path("label").asText())) {
                    right++;
                }
            }
            assertTrue(right >= 18, "the CNN learnt the bars: " + right + " of 20 right");

            ConsumerRecord<byte[], byte[]> dead =
                    readRecords(topics.dlq(), 1, Duration.ofSeconds(30)).get(0);
            Header reason = dead.headers().lastHeader(DeadLetter.REASON);
            assertEquals(Reason.IMAGE_UNDECODABLE.name(), new String(reason.value(), StandardCharsets.UTF_8));
            Header message = dead.headers().lastHeader(DeadLetter.MESSAGE);
            String text = new String(message.value(), StandardCharsets.UTF_8);
            assertTrue(text.contains("record bad") && text.contains("not a PNG, JPEG, GIF or BMP"), text);

            // A second window: v2 is fine-tuned from v1 and swapped in; later events name v2.
            Path more = dir.resolve("examples-2");
            ImageFixtures.writeImageFolder(more, 60, 13);
            renameAll(more, "w2-");
            assertEquals(
                    0,
                    run(
                            "produce",
                            "examples",
                            "--task",
                            task,
                            "--images",
                            more.toString(),
                            "--config",
                            config.toString()));
            deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (trainer.championVersions().getOrDefault(task, 0L) < 2
                    && System.nanoTime() < deadline
                    && trainer.isRunning()) {
                Thread.sleep(100);
            }
            assertEquals(2L, trainer.championVersions().get(task), () -> "v2 published: " + trainer.health());
            long swapDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<JsonNode> late;
            // The scorer loads v2 off-thread after the record arrives: events sent before the swap may
            // still name v1, so send a batch until one is served by v2 (each batch has new ids).
            int round = 0;
            do {
                Path batch = Files.createDirectories(dir.resolve("events-2-" + round));
                for (int i = 0; i < 4; i++) {
                    ImageIO.write(
                            ImageFixtures.bar(i % 2, 20, r),
                            "png",
                            batch.resolve("late-" + round + "-" + i + ".png").toFile());
                }
                assertEquals(
                        0,
                        run(
                                "produce",
                                "events",
                                "--task",
                                task,
                                "--images",
                                batch.toString(),
                                "--config",
                                config.toString()));
                round++;
                late = read(topics.predictions(), 20 + 4 * round, Duration.ofSeconds(30));
            } while (late.stream().noneMatch(p -> p.path("modelVersion").asLong() == 2)
                    && System.nanoTime() < swapDeadline);
            assertTrue(
                    late.stream().anyMatch(p -> p.path("modelVersion").asLong() == 2),
                    "an event is scored by the hot-swapped v2");
        }
        System.out.printf(
                "ImageTaskEndToEndIT: produce, train, publish and score in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /** Prefixes every file of an ImageFolder (ids are file names: a second folder must not reuse them). */
    private static void renameAll(Path folder, String prefix) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.move(f, f.resolveSibling(prefix + f.getFileName()));
            }
        }
    }

    private static int run(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            return StreamtuneCommand.run(args);
        } finally {
            System.setOut(out);
        }
    }

    private static List<JsonNode> read(String topic, int expected, Duration timeout) throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readRecords(topic, expected, timeout)) {
            out.add(JSON.readTree(r.value()));
        }
        return out;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readRecords(String topic, int expected, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = SharedKafka.readCommitted(topic, expected, timeout, Duration.ZERO);
        assertTrue(out.size() >= expected, "expected " + expected + " records on " + topic + ", got " + out.size());
        return out;
    }
}
