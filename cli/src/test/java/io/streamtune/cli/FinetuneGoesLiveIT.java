package io.streamtune.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Prediction;
import io.streamtune.common.history.ModelHistory;
import io.streamtune.common.kafka.KafkaClients;
import io.streamtune.common.kafka.TopicReader;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.scoring.ScoringService;
import io.streamtune.testing.SharedKafka;
import io.streamtune.trainer.TrainerOptions;
import io.streamtune.trainer.TrainerService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11's "must show": on a real broker, the trainer fine-tunes the encoder (LoRA) beside its head-only path,
 * gates and publishes the result as {@code finetune-lora}, and a scorer that was running all along serves it without
 * a restart: its predictions name the fine-tuned version. Tiny generated data, one epoch, 16 tokens.
 */
class FinetuneGoesLiveIT {
    private static final Duration WAIT = Duration.ofSeconds(150);
    private static final String[] GOOD = {"great", "lovely", "excellent", "friendly", "wonderful", "superb"};
    private static final String[] BAD = {"awful", "rude", "terrible", "dirty", "horrible", "broken"};
    private static final String[] THINGS = {"room", "staff", "breakfast", "view", "service", "bed"};

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldServeAFineTunedLoraVersionInTheRunningScorerWithoutARestart() throws Exception {
        String task = SharedKafka.uniqueName("ftlive");
        TaskTopics topics = TaskTopics.of(task);
        StreamtuneConfig config = StreamtuneConfig.parse(
                """
                kafka: {bootstrap.servers: "%s", state.dir: "%s"}
                topics: {partitions: 1}
                artifacts: {dir: "%s"}
                trainer: {minHoldout: 5, metricsPort: -1}
                scoring: {applicationId: "%s", metricsPort: -1, encoder: {workers: 1}, batch: {maxWait: 10ms}}
                tasks:
                  - name: %s
                    labels: [negative, positive]
                    maxSequenceLength: 32
                    window: {retrainEvery: 60, size: 400, holdoutPercent: 20}
                    gate: {tolerance: 1.0}
                    head: {device: cpu, maxEpochs: 20}
                    finetune: {mode: lora, every: 1, epochs: 1, maxLength: 16, batchSize: 16}
                """.formatted(
                                SharedKafka.bootstrapServers(),
                                tmp.resolve("state"),
                                tmp.resolve("artifacts"),
                                SharedKafka.uniqueName("ftlive-app"),
                                task),
                Map.of(),
                Map.of());
        KafkaClients clients = KafkaClients.of(config);

        try (TrainerService trainer = new TrainerService(config, TrainerOptions.defaults());
                ScoringService scoring = new ScoringService(config);
                KafkaProducer<byte[], byte[]> producer = clients.producer(Map.of())) {
            trainer.start();
            scoring.start();
            assertTrue(scoring.awaitRunning(Duration.ofSeconds(120)), () -> "scorer running: " + scoring.state());

            for (int i = 0; i < 80; i++) {
                boolean positive = i % 2 == 0;
                String text = sentence(i, positive);
                producer.send(new ProducerRecord<>(
                        topics.examples(),
                        bytes("{\"id\":\"x-" + i + "\",\"text\":\"" + text + "\",\"label\":\""
                                + (positive ? "positive" : "negative") + "\"}")));
            }
            producer.flush();

            ModelEvent tuned = awaitValue(
                    "a published finetune-lora version",
                    () -> events(clients, task).stream()
                            .filter(e -> "finetune-lora".equals(e.challengerKind()))
                            .filter(e -> e.decision() == ModelEvent.Decision.PUBLISHED)
                            .findFirst(),
                    trainer);
            List<ModelEvent> all = events(clients, task);
            assertEquals("head", all.get(0).challengerKind(), "the fast path published first: " + all);
            assertTrue(tuned.version() > all.get(0).version());
            assertEquals("cpu", tuned.device());
            assertTrue(tuned.trainingMillis() > 0, "training time recorded");
            ModelArtifact artifact = ModelArtifact.parse(tuned.artifact());
            assertTrue(artifact.backbone().isTuned(), "the version lays weights over the encoder");
            assertEquals(WeightsRef.Format.LORA, artifact.backbone().weights().format());
            assertTrue(artifact.backbone().weights().isInline(), "LoRA weights travel inside the record");

            // Events until the running scorer names the fine-tuned version: it swapped without a restart.
            Prediction named = null;
            try (KafkaConsumer<byte[], byte[]> predictions = new KafkaConsumer<>(
                    Map.of(
                            "bootstrap.servers",
                            SharedKafka.bootstrapServers(),
                            "group.id",
                            SharedKafka.uniqueName("ftlive-reader"),
                            "isolation.level",
                            "read_committed",
                            "auto.offset.reset",
                            "earliest"),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                predictions.subscribe(List.of(topics.predictions()));
                long deadline = System.nanoTime() + WAIT.toNanos();
                int sent = 0;
                while (named == null && System.nanoTime() < deadline) {
                    producer.send(new ProducerRecord<>(
                            topics.events(),
                            bytes("{\"id\":\"e-" + sent + "\",\"text\":\"" + sentence(sent, sent % 2 == 0) + "\"}")));
                    producer.flush();
                    sent++;
                    for (ConsumerRecord<byte[], byte[]> r : predictions.poll(Duration.ofMillis(500))) {
                        Prediction p = Json.read(r.value(), Prediction.class);
                        if (p.modelVersion() == tuned.version()) {
                            named = p;
                        }
                    }
                }
            }
            assertNotNull(named, "a prediction of the running scorer names v" + tuned.version());
            assertEquals(task, named.task());
            assertEquals(
                    org.apache.kafka.streams.KafkaStreams.State.RUNNING,
                    scoring.state(),
                    "the same scorer instance, never restarted");
        }
    }

    private static String sentence(int i, boolean positive) {
        String[] words = positive ? GOOD : BAD;
        return "The " + THINGS[i % THINGS.length] + " was " + words[(i / 2) % words.length] + " and "
                + words[(i / 3 + 1) % words.length] + ".";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<ModelEvent> events(KafkaClients clients, String task) {
        List<ModelEvent> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                TopicReader.readAll(clients, List.of(TaskTopics.MODEL_EVENTS), Duration.ofSeconds(30))) {
            ModelEvent e = ModelHistory.decision(r);
            if (e != null && task.equals(e.task())) {
                out.add(e);
            }
        }
        return out;
    }

    private static <T> T awaitValue(String what, Supplier<Optional<T>> probe, TrainerService trainer)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            assertTrue(trainer.isRunning(), () -> "trainer stopped: " + trainer.failure());
            Thread.sleep(500);
        }
        throw new AssertionError("timed out waiting for " + what + "; trainer health " + trainer.health());
    }
}
