package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.scoring.ScoringService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * streamtune over TLS: the embedded broker's only client listener is SASL_SSL, with a certificate for
 * {@code localhost} that this test makes with the JDK's keytool; clients trust it through
 * {@code kafka.ssl.truststore.*} and log in with SCRAM-SHA-512. The operator's commands (topics
 * create, produce, tail, models list) and the scorer (creating its topics, running Kafka Streams)
 * work with those settings alone.
 */
class TlsKafkaIT {
    private static final String PASSWORD = "store-secret";

    @Test
    @Timeout(300)
    void shouldRunCommandsAndTheScorerOverSaslSslWithAGeneratedCertificate(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("broker.p12");
        Path certificate = dir.resolve("broker.crt");
        Path truststore = dir.resolve("truststore.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD);
        keytool(
                "-exportcert",
                "-alias",
                "broker",
                "-keystore",
                keystore.toString(),
                "-storepass",
                PASSWORD,
                "-file",
                certificate.toString());
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                certificate.toString(),
                "-keystore",
                truststore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD);

        EmbeddedKafkaBroker.Sasl sasl = new EmbeddedKafkaBroker.Sasl("admin", "admin-secret", Map.of(), false)
                .withTls(keystore, truststore, PASSWORD);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary(sasl)) {
            broker.addScramUser("cli", "cli-secret");
            String suffix = EmbeddedKafkaBroker.uniqueSuffix();
            String task = "tls" + suffix;
            Map<String, String> login = sasl.clientSettingsFor("SCRAM-SHA-512", "cli", "cli-secret");
            Path config = Files.writeString(dir.resolve("streamtune.yaml"), """
                    kafka:
                      bootstrap.servers: "%s"
                      security.protocol: %s
                      sasl.mechanism: SCRAM-SHA-512
                      sasl.jaas.config: '%s'
                      ssl.truststore.location: "%s"
                      ssl.truststore.password: "%s"
                      ssl.truststore.type: PKCS12
                      state.dir: "%s"
                    topics: {partitions: 1}
                    scoring: {applicationId: "tls-%s", metricsPort: -1, encoder: {workers: 1}}
                    tasks:
                      - name: %s
                        labels: [negative, positive]
                    """.formatted(
                            broker.bootstrapServers(),
                            login.get("security.protocol"),
                            login.get("sasl.jaas.config"),
                            truststore,
                            PASSWORD,
                            dir.resolve("streams"),
                            suffix,
                            task));
            assertEquals("SASL_SSL", login.get("security.protocol"));

            Output topics = capture("topics", "create", "--config", config.toString());
            assertEquals(0, topics.code(), topics.text());
            StringBuilder events = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                events.append("{\"id\":\"t-")
                        .append(i)
                        .append("\",\"text\":\"over TLS ")
                        .append(i)
                        .append("\"}\n");
            }
            Path eventsFile = Files.writeString(dir.resolve("events.jsonl"), events);
            Output produced = capture(
                    "produce",
                    "events",
                    "--task",
                    task,
                    "--file",
                    eventsFile.toString(),
                    "--config",
                    config.toString());
            assertEquals(0, produced.code(), produced.text());
            Output tail = capture("tail", "events", "--task", task, "--max", "5", "--config", config.toString());
            assertEquals(0, tail.code(), tail.text());
            assertEquals(
                    5, tail.text().lines().filter(l -> l.contains("over TLS")).count(), tail.text());
            Output models = capture("models", "list", "--task", task, "--config", config.toString());
            assertEquals(0, models.code(), models.text());
            assertTrue(models.text().contains("has no model versions yet"), models.text());

            try (ScoringService scoring = new ScoringService(StreamtuneConfig.load(config, Map.of(), Map.of()))) {
                scoring.start();
                assertTrue(
                        scoring.awaitRunning(Duration.ofSeconds(120)),
                        () -> "Kafka Streams runs over SASL_SSL: " + scoring.state());
            }
        }
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool finishes");
        assertEquals(0, p.exitValue(), () -> "keytool " + String.join(" ", args) + "\n" + out);
    }

    private record Output(int code, String text) {}

    private static synchronized Output capture(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            int code = StreamtuneCommand.run(args);
            return new Output(code, buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }
}
