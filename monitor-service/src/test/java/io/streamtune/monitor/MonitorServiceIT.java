package io.streamtune.monitor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.event.Alert;
import io.streamtune.common.model.LiveMetrics;
import io.streamtune.common.model.RecordType;
import io.streamtune.common.serde.Json;
import io.streamtune.common.topic.TaskTopics;
import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitor service end to end on a real broker: predictions and labels in, alerts and live metrics out, read_committed. */
class MonitorServiceIT {
    @TempDir
    Path tmp;

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static byte[] prediction(String task, String id, String entity, String label, long version, long ts) {
        return ("{\"id\":\"" + id + "\",\"task\":\"" + task + "\",\"label\":\"" + label + "\",\"scores\":{\"" + label
                        + "\":0.9},\"modelVersion\":" + version + ",\"ts\":" + ts
                        + ",\"latencyMs\":2.0,\"attrs\":{\"entity\":\"" + entity + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(300)
    void shouldRaiseAndClearASurgeAndPublishLiveMetricsReadCommitted() throws Exception {
        String task = SharedKafka.uniqueName("fin").replace('-', '_');
        StreamtuneConfig config = StreamtuneConfig.parse(
                """
                kafka: {bootstrap.servers: "%s", state.dir: "%s"}
                topics: {partitions: 1}
                monitoring: {applicationId: %s, metricsPort: 0, liveMetricsInterval: 500ms, commitInterval: 50ms}
                tasks:
                  - name: %s
                    labels: [bearish, neutral, bullish]
                    monitor:
                      alertLabel: bearish
                      window: 30s
                      advance: 10s
                      grace: 2s
                      minCount: 10
                      baseline: {alpha: 0.3, warmup: 2}
                      rule: {margin: 0.3, zScore: 0, clearMargin: 0.1}
                      labelJoinWindow: 1m
                """.formatted(
                                SharedKafka.bootstrapServers(),
                                tmp.resolve("state"),
                                SharedKafka.uniqueName("monitor-it"),
                                task),
                Map.of(),
                Map.of());
        TaskTopics topics = TaskTopics.of(task);
        List<ConsumerRecord<byte[], byte[]>> alerts = new CopyOnWriteArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> modelEvents = new CopyOnWriteArrayList<>();
        // One partition: the 300 s of predictions below are produced at once, a backlog. With two input partitions
        // the two upstream tasks wrote the entity-keyed repartition topic in bursts, the surge processor's event time
        // ran ahead of the slower task's records and dropped them as late (surge_late, the README's backlog limit),
        // and windows of 11 of Globex's 30 predictions raised a false alert in one CI rehearsal of three.
        try (MonitorService monitor = new MonitorService(config)) {
            monitor.start();
            assertTrue(monitor.awaitRunning(Duration.ofSeconds(90)), "monitor running");
            Properties pp = new Properties();
            pp.put("bootstrap.servers", SharedKafka.bootstrapServers());
            pp.put("enable.idempotence", "true");
            pp.put("acks", "all");
            long t0 = System.currentTimeMillis() - 400_000;
            try (KafkaProducer<String, byte[]> producer =
                    new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
                for (int s = 0; s < 300; s++) {
                    boolean surging = s >= 120 && s < 180;
                    boolean bearish = surging ? s % 10 < 8 : s % 5 == 0;
                    long ts = t0 + s * 1000L;
                    producer.send(new ProducerRecord<>(
                            topics.predictions(),
                            null,
                            ts,
                            "a-" + s,
                            prediction(task, "a-" + s, "Initech", bearish ? "bearish" : "neutral", 1, ts)));
                    producer.send(new ProducerRecord<>(
                            topics.predictions(),
                            null,
                            ts,
                            "b-" + s,
                            prediction(task, "b-" + s, "Globex", s % 5 == 0 ? "bearish" : "neutral", 1, ts)));
                    if (s % 10 == 0) { // a late label for one event in ten, 5 s after it
                        producer.send(new ProducerRecord<>(
                                topics.examples(),
                                null,
                                ts + 5_000,
                                "a-" + s,
                                ("{\"id\":\"a-" + s + "\",\"text\":\"t\",\"label\":\""
                                                + (bearish ? "bearish" : "bullish") + "\"}")
                                        .getBytes(StandardCharsets.UTF_8)));
                    }
                }
                producer.flush();
            }
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                    Map.of(
                            "bootstrap.servers",
                            SharedKafka.bootstrapServers(),
                            "group.id",
                            SharedKafka.uniqueName("it-alerts"),
                            "isolation.level",
                            "read_committed",
                            "auto.offset.reset",
                            "earliest"),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                c.subscribe(List.of(topics.alerts(), TaskTopics.MODEL_EVENTS));
                await("a RAISED and a CLEARED alert and live metrics", Duration.ofSeconds(180), () -> {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        (r.topic().equals(topics.alerts()) ? alerts : modelEvents).add(r);
                    }
                    return surgeAlerts(alerts).size() >= 2
                            && modelEvents.stream().anyMatch(r -> task.equals(key(r)));
                });
            }
            // The surge also shifts the label mix, so a DRIFT record may come between (the drift detector's own
            // test covers it); this test is about the surge alert's episode.
            List<Alert> parsed = surgeAlerts(alerts);
            assertEquals(
                    List.of(Alert.State.RAISED, Alert.State.CLEARED),
                    parsed.stream().map(Alert::state).toList(),
                    parsed::toString);
            assertTrue(parsed.stream().allMatch(a -> a.entity().equals("Initech")), parsed::toString);
            assertTrue(
                    alerts.stream()
                            .filter(r -> alert(r).state() != Alert.State.DRIFT)
                            .allMatch(r -> "Initech".equals(key(r))),
                    "alerts are keyed by entity");
            ConsumerRecord<byte[], byte[]> live = modelEvents.stream()
                    .filter(r -> task.equals(key(r)))
                    .findFirst()
                    .orElseThrow();
            assertEquals(RecordType.LIVE_METRICS, RecordType.of(live.headers()));
            LiveMetrics m = Json.read(live.value(), LiveMetrics.class);
            assertEquals(1, m.modelVersion());
            assertEquals(1.0, m.accuracy(), 1e-9, "every labelled event above was predicted right: " + m);
            assertEquals("UP", monitor.health().get("status"));
        }
    }

    private static List<Alert> surgeAlerts(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream()
                .map(MonitorServiceIT::alert)
                .filter(a -> a.state() != Alert.State.DRIFT)
                .toList();
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }

    private static Alert alert(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Alert.parse(r.value());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
