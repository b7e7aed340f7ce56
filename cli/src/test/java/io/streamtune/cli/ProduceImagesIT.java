package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.cli.images.ImageFixtures;
import io.streamtune.common.serde.Json;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code streamtune produce --images} against the real broker. */
class ProduceImagesIT {

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = StreamtuneCommand.run(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    @Timeout(120)
    void shouldProduceOneRecordPerImageFileLabelledByItsFolderAndReportTheUndecodableOne(@TempDir Path dir)
            throws Exception {
        String task = SharedKafka.uniqueName("pics");
        Path config = dir.resolve("streamtune.yaml");
        Files.writeString(config, "tasks: [{name: " + task + ", modality: image, labels: [horizontal, vertical]}]\n");
        SharedKafka.createTopics(1, task + ".examples", task + ".events");
        Path images = dir.resolve("images");
        ImageFixtures.writeImageFolder(images, 2, 1);
        Files.writeString(images.resolve("vertical/broken.png"), "not a picture");

        Run r = run(
                "produce",
                "examples",
                "--task",
                task,
                "--images",
                images.toString(),
                "--config",
                config.toString(),
                "--bootstrap",
                SharedKafka.bootstrapServers());

        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("5 image files in"), r.out());
        assertTrue(r.out().contains("5 image files: 4 produced"), "counted in files, not lines: " + r.out());
        assertTrue(r.out().contains("IMAGE_UNDECODABLE: record broken:"), r.out());
        List<ConsumerRecord<String, String>> records = read(task + ".examples", 4);
        assertEquals(
                List.of("h-000", "h-001", "v-000", "v-001"),
                records.stream().map(ConsumerRecord::key).toList());
        JsonNode first = Json.mapper().readTree(records.get(0).value());
        assertEquals("horizontal", first.get("label").asText());
        assertTrue(
                java.util.Arrays.equals(
                        Files.readAllBytes(images.resolve("horizontal/h-000.png")),
                        Base64.getDecoder().decode(first.get("image").asText())),
                "the file's bytes, unchanged");

        Run events = run(
                "produce",
                "events",
                "--task",
                task,
                "--images",
                images.resolve("horizontal").toString(),
                "--config",
                config.toString(),
                "--bootstrap",
                SharedKafka.bootstrapServers());
        assertEquals(0, events.exit(), events.out() + events.err());
        List<ConsumerRecord<String, String>> produced = read(task + ".events", 2);
        assertEquals(2, produced.size());
        assertTrue(Json.mapper().readTree(produced.get(0).value()).get("label") == null);
    }

    @Test
    @Timeout(60)
    void shouldRefuseBothOrNeitherSource(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("streamtune.yaml");
        Files.writeString(config, "tasks: [{name: t, modality: image, labels: [a, b]}]\n");
        Run neither = run("produce", "examples", "--task", "t", "--config", config.toString());
        assertEquals(2, neither.exit());
        assertTrue(neither.err().contains("give either --file F.jsonl or --images DIR"), neither.err());
    }

    private static List<ConsumerRecord<String, String>> read(String topic, int expected) {
        Properties c = SharedKafka.clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, SharedKafka.uniqueName("check"));
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
