package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code models list} shows the newest live accuracy of each published version beside its holdout accuracy. */
class ModelsListLiveAccuracyIT {

    @Test
    @Timeout(120)
    void shouldShowTheNewestLiveAccuracyBesideTheHoldoutAccuracy(@TempDir Path dir) throws Exception {
        try (var admin = SharedKafka.admin()) {
            io.streamtune.common.topic.TopicAdmin.ensure(
                    admin,
                    io.streamtune.common.topic.TopicLayout.shared(
                            (short) 1, io.streamtune.common.config.Limits.modelWriteBytes()));
        }
        String task = SharedKafka.uniqueName("live");
        Path config = dir.resolve("streamtune.yaml");
        Files.writeString(config, "tasks: [{name: " + task + ", labels: [neg, pos]}]\n");
        ModelEvent published = new ModelEvent(
                task,
                1,
                null,
                ModelEvent.Decision.PUBLISHED,
                new ModelMetrics(0.95, 0.94, 40, Map.of("neg", 0.94, "pos", 0.94)),
                null,
                "first version",
                List.of(),
                400,
                40,
                900,
                "all-minilm-l6-v2",
                1_000L,
                null,
                "head",
                "cpu",
                "retrainEvery");
        RecordHeaders live = new RecordHeaders();
        live.add(RecordType.HEADER, RecordType.LIVE_METRICS.headerValue());
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", SharedKafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(TaskTopics.MODEL_EVENTS, task, Json.write(published)))
                    .get();
            p.send(new ProducerRecord<>(
                            TaskTopics.MODEL_EVENTS,
                            null,
                            task,
                            Json.write(new LiveMetrics(null, task, 1, 0.8, 0.79, 20, 500, Map.of(), 20, 2_000L)),
                            live))
                    .get();
            p.send(new ProducerRecord<>(
                            TaskTopics.MODEL_EVENTS,
                            null,
                            task,
                            Json.write(new LiveMetrics(null, task, 1, 0.875, 0.86, 40, 500, Map.of(), 40, 3_000L)),
                            live))
                    .get();
        }
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            exit = StreamtuneCommand.run(
                    "models",
                    "list",
                    "--task",
                    task,
                    "--config",
                    config.toString(),
                    "--bootstrap",
                    SharedKafka.bootstrapServers());
        } finally {
            System.setOut(out);
        }
        String shown = o.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, shown);
        String v1 =
                shown.lines().filter(l -> l.startsWith("v1 ")).findFirst().orElseThrow(() -> new AssertionError(shown));
        assertTrue(
                v1.contains("0.9500") && v1.contains("0.8750 (40)"),
                () -> "holdout 0.95 and the newest live 0.875 on 40 pairs: " + shown);
        assertTrue(
                v1.contains(" head ") && v1.matches(".* 400 +0 +.*"),
                () -> "the challenger kind, 400 examples trained on and 0 new (the audit's window is empty): " + shown);
        assertEquals(
                1,
                shown.lines().filter(l -> l.matches("v\\d+ .*")).count(),
                () -> "only the decision is a row: " + shown);
    }
}
