package io.streamtune.common.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.streamtune.common.topic.TopicSpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamtuneConfigTest {

    @Test
    void shouldApplyDefaultsToAMinimalTask() throws Exception {
        StreamtuneConfig c = StreamtuneConfig.parse("tasks: [{name: reviews, labels: [neg, pos]}]", Map.of(), Map.of());
        TaskConfig t = c.requireTask("reviews");
        assertEquals(List.of("neg", "pos"), t.labels());
        assertEquals("all-minilm-l6-v2", t.encoder());
        assertEquals(500, t.window().retrainEvery());
        assertEquals(Duration.ofMinutes(5), t.window().maxWait());
        assertEquals(20_000, t.window().size());
        assertEquals(0.005, t.gate().tolerance());
        assertEquals(ClassWeighting.BALANCED, t.head().classWeights());
        assertEquals(HeadKind.LINEAR, t.head().kind());
        assertEquals(Device.AUTO, t.head().device());
        assertEquals("localhost:9092", c.bootstrapServers());
        assertEquals("reviews.dlq", t.topics().dlq());
    }

    @Test
    void shouldReportEveryProblemNamingItsKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> StreamtuneConfig.parse("""
                tasks:
                  - name: Bad Name
                    labels: [only]
                  - name: ok
                    labels: [a, b]
                    window: {retrainEvery: 0, maxWait: soon}
                    gate: {tolerance: 2}
                    head: {kind: transformer}
                extra: 1
                """, Map.of(), Map.of()));
        String m = e.getMessage();
        assertTrue(m.contains("tasks[0].name"), m);
        assertTrue(m.contains("tasks[0] (Bad Name).labels"), m);
        assertTrue(m.contains("tasks[1] (ok).window.retrainEvery"), m);
        assertTrue(m.contains("tasks[1] (ok).window.maxWait"), m);
        assertTrue(m.contains("tasks[1] (ok).gate.tolerance"), m);
        assertTrue(m.contains("tasks[1] (ok).head.kind") && m.contains("[linear, mlp]"), m);
        assertTrue(m.contains("extra: unknown section"), m);
        assertEquals(7, e.problems().size(), m);
    }

    @Test
    void shouldRefuseATaskKeyNoSettingReadsInsteadOfIgnoringIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> StreamtuneConfig.parse("""
                tasks:
                  - name: ok
                    labels: [a, b]
                    retrainEvery: 50
                    window: {retrainEvry: 50, size: 500}
                    head: 3
                    finetune: {mode: lora, lora: {rank: 8, alfa: 16}}
                    monitor: {alertLabel: a, windw: 5m}
                """, Map.of(), Map.of()));
        String m = e.getMessage();
        assertTrue(m.contains("tasks[0] (ok).retrainEvery: unknown setting"), m);
        assertTrue(
                m.contains("tasks[0] (ok).window.retrainEvry: unknown setting") && m.contains("retrainEvery, size"), m);
        assertTrue(m.contains("tasks[0] (ok).head: expected a section"), m);
        assertTrue(m.contains("tasks[0] (ok).finetune.lora.alfa: unknown setting") && m.contains("alpha"), m);
        assertTrue(m.contains("tasks[0] (ok).monitor.windw: unknown setting"), m);
        assertEquals(5, e.problems().size(), m);
    }

    @Test
    void shouldLayerEnvironmentAndFlagsOverTheFile() throws Exception {
        String yaml = "kafka: {bootstrap.servers: file:1, linger.ms: 5}\ntasks: [{name: t, labels: [a, b]}]";
        StreamtuneConfig env = StreamtuneConfig.parse(
                yaml, Map.of("STREAMTUNE_BOOTSTRAP_SERVERS", "env:2", "STREAMTUNE_KAFKA_LINGER_MS", "7"), Map.of());
        assertEquals("env:2", env.bootstrapServers());
        assertEquals("7", env.kafka().get("linger.ms"));
        StreamtuneConfig flag = StreamtuneConfig.parse(
                yaml, Map.of("STREAMTUNE_BOOTSTRAP_SERVERS", "env:2"), Map.of("bootstrap.servers", "flag:3"));
        assertEquals("flag:3", flag.bootstrapServers());
    }

    @Test
    void shouldMapSecurityEnvironmentVariablesToKafkaClientSettings() throws Exception {
        String yaml = "kafka: {security.protocol: PLAINTEXT}\ntasks: [{name: t, labels: [a, b]}]";
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"trainer\" password=\"s3cret\";";
        StreamtuneConfig c = StreamtuneConfig.parse(
                yaml,
                Map.of(
                        "STREAMTUNE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "STREAMTUNE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                        "STREAMTUNE_KAFKA_SASL_JAAS_CONFIG", jaas,
                        "STREAMTUNE_KAFKA_SSL_TRUSTSTORE_LOCATION", "/secrets/truststore.p12",
                        "STREAMTUNE_KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", "",
                        "STREAMTUNE_KAFKA_LOG_LEVEL", "debug"),
                Map.of());
        assertEquals("SASL_SSL", c.kafka().get("security.protocol"), "the environment wins over the file");
        assertEquals("SCRAM-SHA-512", c.kafka().get("sasl.mechanism"));
        assertEquals(jaas, c.kafka().get("sasl.jaas.config"));
        assertEquals("/secrets/truststore.p12", c.kafka().get("ssl.truststore.location"));
        assertEquals(
                "",
                c.kafka().get("ssl.endpoint.identification.algorithm"),
                "an empty value turns host name checks off");
        assertFalse(
                c.kafka().containsKey("log.level"), "STREAMTUNE_KAFKA_LOG_LEVEL sets logging, not a client setting");
    }

    @Test
    void shouldSpellUnderscoresAndDashesInKafkaKeysLikeTheKafkaImage() {
        assertEquals("sasl.jaas.config", StreamtuneConfig.kafkaKey("SASL_JAAS_CONFIG"));
        assertEquals("a_b.c", StreamtuneConfig.kafkaKey("A__B_C"));
        assertEquals("a-b", StreamtuneConfig.kafkaKey("A___B"));
        assertNull(StreamtuneConfig.kafkaKey("A____B"));
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> StreamtuneConfig.parse(
                        "tasks: [{name: t, labels: [a, b]}]", Map.of("STREAMTUNE_KAFKA_A____B", "x"), Map.of()));
        assertTrue(e.getMessage().contains("STREAMTUNE_KAFKA_A____B"), e.getMessage());
    }

    @Test
    void shouldParseDurationsInEveryDocumentedForm() {
        assertEquals(Duration.ofMillis(250), Setting.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(30), Setting.parseDuration("30s"));
        assertEquals(Duration.ofMinutes(5), Setting.parseDuration("5m"));
        assertEquals(Duration.ofHours(1), Setting.parseDuration("1h"));
        assertEquals(Duration.ofMinutes(5), Setting.parseDuration("PT5M"));
    }

    @Test
    void shouldNameAMissingFile() {
        ConfigException e = assertThrows(
                ConfigException.class, () -> StreamtuneConfig.load(Path.of("no/such.yaml"), Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("such.yaml") && e.getMessage().contains("--config"), e.getMessage());
    }

    @Test
    void shouldShipAValidExampleConfigWhoseTopicsFollowTheDocumentedLayout() throws Exception {
        StreamtuneConfig c = StreamtuneConfig.load(Path.of("../config/streamtune.yaml"), Map.of(), Map.of());
        List<TopicSpec> specs = c.topicLayout();
        TopicSpec models = specs.stream()
                .filter(s -> s.name().equals("streamtune.models"))
                .findFirst()
                .orElseThrow();
        assertEquals("compact", models.configs().get("cleanup.policy"));
        assertEquals(1, models.partitions());
        assertEquals(2 + 5 * c.tasks().size(), specs.size());
        assertTrue(
                specs.stream().anyMatch(s -> s.name().equals("reviews.examples") && s.partitions() == c.partitions()));
    }

    @Test
    void shouldResolveInt8PrecisionToTheEncodersInt8Export() throws Exception {
        StreamtuneConfig c = StreamtuneConfig.parse("""
                tasks:
                  - {name: fast, labels: [a, b], encoder: {id: bge-small-en-v1.5, precision: int8}}
                  - {name: plain, labels: [a, b], encoder: bge-small-en-v1.5}
                  - {name: object, labels: [a, b], encoder: {id: all-minilm-l6-v2}}
                  - {name: byid, labels: [a, b], encoder: all-minilm-l6-v2-q}
                """, Map.of(), Map.of());
        assertEquals(
                "bge-small-en-v1.5-q",
                c.requireTask("fast").encoder(),
                "what the backbone is keyed by and versions record");
        assertEquals(Precision.INT8, c.requireTask("fast").precision());
        assertEquals("bge-small-en-v1.5", c.requireTask("plain").encoder());
        assertEquals(Precision.FP32, c.requireTask("plain").precision());
        assertEquals("all-minilm-l6-v2", c.requireTask("object").encoder(), "fp32 unless precision says otherwise");
        assertEquals(Precision.INT8, c.requireTask("byid").precision(), "an int8 id is int8");
    }

    @Test
    void shouldRefuseInt8ForBgeSmallZhNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> StreamtuneConfig.parse("""
                tasks:
                  - {name: zh, labels: [a, b], encoder: {id: bge-small-zh-v1.5, precision: int8}}
                """, Map.of(), Map.of()));
        String m = e.getMessage();
        assertTrue(
                m.contains("tasks[0] (zh).encoder.precision: int8 is not available for encoder bge-small-zh-v1.5"), m);
        assertTrue(
                m.contains("all-minilm-l6-v2") && m.contains("bge-small-en-v1.5"),
                "names the encoders that have one: " + m);
        assertEquals(1, e.problems().size(), m);
    }

    @Test
    void shouldRefuseAnUnknownPrecisionAContradictionAndUnknownEncoderKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> StreamtuneConfig.parse("""
                tasks:
                  - {name: a, labels: [x, y], encoder: {id: all-minilm-l6-v2, precision: fp16}}
                  - {name: b, labels: [x, y], encoder: {id: all-minilm-l6-v2-q, precision: fp32}}
                  - {name: c, labels: [x, y], encoder: {id: all-minilm-l6-v2, maxSequenceLength: 64}}
                  - {name: d, labels: [x, y], encoder: {id: all-minilm-l6-v2, precison: int8}}
                """, Map.of(), Map.of()));
        String m = e.getMessage();
        assertTrue(m.contains("tasks[0] (a).encoder.precision: expected one of [fp32, int8]"), m);
        assertTrue(m.contains("tasks[1] (b).encoder.precision: fp32 contradicts encoder.id all-minilm-l6-v2-q"), m);
        assertTrue(
                m.contains("tasks[2] (c).encoder.maxSequenceLength: unknown setting (known under encoder here: id,"
                        + " precision; maxSequenceLength is the task's own key"),
                m);
        assertTrue(
                m.contains("tasks[3] (d).encoder.precison: unknown setting (known under encoder here: id, precision"),
                m);
        assertEquals(4, e.problems().size(), m);
    }

    @Test
    void shouldIterateTasksInNameOrderWhateverTheFileOrder() throws Exception {
        List<String> names = List.of("zeta", "alpha", "mu", "beta", "omega", "kappa", "delta", "nu", "eta", "gamma");
        StringBuilder yaml = new StringBuilder("tasks:\n");
        names.forEach(n -> yaml.append("  - {name: ").append(n).append(", labels: [a, b]}\n"));
        StreamtuneConfig config = StreamtuneConfig.parse(yaml.toString(), Map.of(), Map.of());
        assertEquals(
                names.stream().sorted().toList(),
                List.copyOf(config.tasks().keySet()),
                "topologies are built in this order; it must not change between JVMs");
    }
}
