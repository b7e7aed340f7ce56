package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code streamtune produce} against the real broker, as a user runs it. */
class ProduceCommandIT {

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
    void shouldProduceValidLinesAndReportRejectedOnesByLineAndReason(@TempDir Path dir) throws Exception {
        String task = SharedKafka.uniqueName("prod");
        Path config = dir.resolve("streamtune.yaml");
        Files.writeString(config, "tasks: [{name: " + task + ", labels: [neg, pos]}]\n");
        SharedKafka.createTopics(1, task + ".examples");
        Path file = dir.resolve("ex.jsonl");
        Files.write(
                file,
                List.of(
                        "{\"id\":\"1\",\"text\":\"good\",\"label\":\"pos\"}",
                        "{\"id\":\"2\",\"text\":\"bad\",\"label\":\"meh\"}",
                        "",
                        "not json",
                        "{\"id\":\"3\",\"text\":\"awful\",\"label\":\"neg\"}"));

        Run r = run(
                "produce",
                "examples",
                "--task",
                task,
                "--file",
                file.toString(),
                "--config",
                config.toString(),
                "--bootstrap",
                SharedKafka.bootstrapServers());

        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("2 produced"), r.out());
        assertTrue(r.out().contains("line 2: UNKNOWN_LABEL"), r.out());
        assertTrue(r.out().contains("line 4: MALFORMED_JSON"), r.out());
        assertEquals(List.of("1", "3"), keys(task + ".examples", 2));
    }

    @Test
    @Timeout(60)
    void shouldSayWhatToDoAndExitNonZeroWhenNoBrokerAnswers(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("streamtune.yaml");
        Files.writeString(config, "tasks: [{name: t, labels: [neg, pos]}]\n");
        Path file = dir.resolve("ex.jsonl");
        Files.writeString(file, "{\"id\":\"1\",\"text\":\"good\",\"label\":\"pos\"}\n");
        String nowhere = "localhost:" + EmbeddedKafkaBroker.freePort();

        Run r = run(
                "produce",
                "examples",
                "--task",
                "t",
                "--file",
                file.toString(),
                "--config",
                config.toString(),
                "--bootstrap",
                nowhere);

        assertEquals(1, r.exit());
        assertTrue(
                r.err().contains("cannot reach Kafka at " + nowhere) && r.err().contains("./streamtune broker"),
                r.err());
    }

    private static List<String> keys(String topic, int expected) {
        Properties c = SharedKafka.clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, SharedKafka.uniqueName("check"));
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.currentTimeMillis();
            while (System.currentTimeMillis() - quietSince < 3_000 || keys.size() < expected) {
                var records = consumer.poll(Duration.ofMillis(200));
                records.forEach(rec -> keys.add(rec.key()));
                if (!records.isEmpty()) {
                    quietSince = System.currentTimeMillis();
                }
                if (System.currentTimeMillis() - quietSince > 30_000) {
                    break;
                }
            }
        }
        return keys;
    }
}
