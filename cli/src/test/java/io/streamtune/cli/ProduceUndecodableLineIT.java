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

import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 9, fault 8: {@code produce} judges each line alone; one bad line never aborts the file. */
class ProduceUndecodableLineIT {

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

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Run produce(Path dir, String task, byte[] file) throws Exception {
        Path config = dir.resolve("streamtune.yaml");
        Files.writeString(config, "tasks: [{name: " + task + ", labels: [neg, pos]}]\n");
        SharedKafka.createTopics(1, task + ".events");
        Path jsonl = dir.resolve("events.jsonl");
        Files.write(jsonl, file);
        return run(
                "produce",
                "events",
                "--task",
                task,
                "--file",
                jsonl.toString(),
                "--config",
                config.toString(),
                "--bootstrap",
                SharedKafka.bootstrapServers());
    }

    @Test
    @Timeout(120)
    void shouldProduceTheOtherLinesAndReportALineThatIsNotUtf8ByItsNumber(@TempDir Path dir) throws Exception {
        String task = SharedKafka.uniqueName("latin1");
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(utf8("{\"id\":\"p-1\",\"text\":\"Chain shares rally\"}\n"));
        file.write(utf8("{\"id\":\"p-2\",\"text\":\"Caf"));
        file.write(0xE9); // a raw Latin-1 e-acute: not UTF-8
        file.write(utf8(" chain shares rally\"}\n"));
        file.write(utf8("{\"id\":\"p-3\",\"text\":\"Caf\u00e9 chain shares slump\"}\n"));

        Run r = produce(dir, task, file.toByteArray());

        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("3 lines: 2 produced"), r.out());
        assertTrue(
                r.out().contains("line 2: MALFORMED_JSON")
                        && r.out().contains("not UTF-8")
                        && r.out().contains("0xE9"),
                r.out());
        assertFalse(r.out().contains("line 1:") || r.out().contains("line 3:"), r.out());
        assertFalse(r.err().contains("MalformedInputException"), r.err());
        assertEquals(List.of("p-1", "p-3"), keys(task + ".events", 2));
    }

    @Test
    @Timeout(120)
    void shouldReportALineOverTheRecordLimitAndProduceTheOthers(@TempDir Path dir) throws Exception {
        String task = SharedKafka.uniqueName("bigline");
        String big =
                "{\"id\":\"big-1\",\"text\":\"Shares rally on upgrade\",\"pad\":\"" + "x".repeat(1_200_000) + "\"}";
        byte[] file = utf8("{\"id\":\"q-1\",\"text\":\"ok\"}\r\n" + big + "\n\n{\"id\":\"q-3\",\"text\":\"fine\"}");

        Run r = produce(dir, task, file);

        assertEquals(3, r.exit(), r.out() + r.err());
        assertTrue(
                r.out().contains("line 2: RECORD_TOO_LARGE") && r.out().contains("limits.recordBytes 1048576"),
                r.out());
        assertEquals(
                List.of("q-1", "q-3"),
                keys(task + ".events", 2),
                "a CRLF line and a last line without newline are produced");
    }

    private static List<String> keys(String topic, int expected) {
        Properties c = SharedKafka.clientProperties();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, SharedKafka.uniqueName("check"));
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (keys.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(rec -> keys.add(rec.key()));
            }
            // Anything more would show up now.
            long quiet = System.currentTimeMillis() + 1_000;
            while (System.currentTimeMillis() < quiet) {
                consumer.poll(Duration.ofMillis(200)).forEach(rec -> keys.add(rec.key()));
            }
        }
        return keys;
    }
}
