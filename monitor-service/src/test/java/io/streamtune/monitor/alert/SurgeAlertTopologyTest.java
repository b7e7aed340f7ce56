package io.streamtune.monitor.alert;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.BytesDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.event.Alert;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.testing.MonitorDriver;
import io.streamtune.monitor.topology.MonitorTopology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Surge alerts through the production topology under TopologyTestDriver, on event time. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SurgeAlertTopologyTest {
    private static final String TASK = "finance";
    private static final String HOPPING = """
            kafka: {bootstrap.servers: "ttd:9092"}
            tasks:
              - name: finance
                labels: [bearish, neutral, bullish]
                monitor:
                  alertLabel: bearish
                  window: 30s
                  advance: 10s
                  grace: 5s
                  minCount: 10
                  baseline: {alpha: 0.3, warmup: 2}
                  rule: {margin: 0.3, zScore: 0, clearMargin: 0.1}
            """;
    private static final String TUMBLING = """
            kafka: {bootstrap.servers: "ttd:9092"}
            tasks:
              - name: finance
                labels: [bearish, neutral, bullish]
                monitor:
                  alertLabel: bearish
                  window: 10s
                  advance: 10s
                  grace: 5s
                  minCount: 5
                  baseline: {alpha: 0.5, warmup: 1}
                  rule: {margin: 0.5, zScore: 0, clearMargin: 0.1}
            """;

    @TempDir
    Path state;

    private int seq;

    /**
     * One prediction per second and entity from {@code from} to {@code to} (s), in event-time order:
     * every {@code every}-th is bearish, the others neutral (0: none bearish).
     */
    private void feed(MonitorDriver d, List<String> entities, int from, int to, int every) {
        for (int s = from; s < to; s++) {
            boolean bearish = every > 0 && (s % every == 0);
            for (String entity : entities) {
                d.prediction("e-" + (seq++), entity, bearish ? "bearish" : "neutral", 0.9, 1, s * 1000L + 500);
            }
        }
    }

    private void feed(MonitorDriver d, String entity, int from, int to, int every) {
        feed(d, List.of(entity), from, to, every);
    }

    /** Predictions at the given seconds: bearish ones with {@code bearishShare} of each block of ten. */
    private void surge(MonitorDriver d, String entity, int from, int to, int bearishOfTen) {
        for (int s = from; s < to; s++) {
            d.prediction(
                    "s-" + (seq++), entity, s % 10 < bearishOfTen ? "bearish" : "neutral", 0.9, 2, s * 1000L + 500);
        }
    }

    @Test
    void shouldRaiseOnceThenClearOnceForASurgeAndNothingForTheOtherEntity() {
        try (MonitorDriver d = new MonitorDriver(HOPPING, TASK, state)) {
            for (int s = 0; s < 300; s++) {
                boolean surging = s >= 120 && s < 180;
                boolean bearish = surging ? s % 10 < 8 : s % 5 == 0;
                d.prediction(
                        "a-" + s, "Initech", bearish ? "bearish" : "neutral", 0.9, surging ? 2 : 1, s * 1000L + 500);
                d.prediction("b-" + s, "Globex", s % 5 == 0 ? "bearish" : "neutral", 0.9, 1, s * 1000L + 600);
            }
            List<Alert> alerts = d.alerts();
            assertEquals(
                    List.of(Alert.State.RAISED, Alert.State.CLEARED),
                    alerts.stream().map(Alert::state).toList(),
                    () -> "one episode, one RAISED and one CLEARED: " + alerts);
            Alert raised = alerts.get(0);
            assertEquals("Initech", raised.entity());
            assertEquals(TASK, raised.task());
            assertTrue(
                    raised.share() >= raised.baseline().mean() + 0.3, () -> "share over baseline + margin: " + raised);
            // 0.2 before the surge; the window before the raising one already held some of it (share below the raise
            // level).
            assertEquals(0.2, raised.baseline().mean(), 0.1, () -> "the baseline is the normal share: " + raised);
            assertEquals(raised.windowEnd() - 30_000, raised.windowStart());
            assertTrue(
                    raised.windowStart() >= 100_000 && raised.windowEnd() <= 190_000,
                    () -> "a window of the surge: " + raised);
            assertEquals(
                    List.of("bearish", "neutral", "bullish"),
                    List.copyOf(raised.counts().keySet()));
            assertEquals(
                    raised.total(),
                    raised.counts().values().stream().mapToLong(Long::longValue).sum());
            assertFalse(raised.evidence().isEmpty());
            assertTrue(raised.evidence().stream().allMatch(id -> id.startsWith("a-")), raised::toString);
            assertTrue(raised.modelVersions().contains(2L), raised::toString);
            assertNotNull(raised.onsetTs());
            assertTrue(
                    raised.onsetTs() >= 120_000 && raised.onsetTs() < raised.windowEnd(),
                    () -> "onset in the surge: " + raised);
            Alert cleared = alerts.get(1);
            assertEquals("Initech", cleared.entity());
            assertTrue(cleared.windowStart() >= 150_000, () -> "cleared after the surge: " + cleared);
            assertTrue(cleared.share() < cleared.threshold(), cleared::toString);
            assertEquals(1, d.metrics.count(MonitorMetrics.ALERTS, "task", TASK, "state", "RAISED"));
        }
    }

    @Test
    void shouldNotRaiseForAWindowBelowMinCount() {
        try (MonitorDriver d = new MonitorDriver(HOPPING, TASK, state)) {
            feed(d, List.of("Hooli", "Initech"), 0, 60, 5); // baseline: 30 per window, share 0.2
            // Surge of both: Hooli 12 per window (>= minCount 10), Initech 6 per window (< 10), all bearish.
            for (int s = 60; s < 120; s++) {
                if (s % 5 < 2) {
                    d.prediction("h-" + s, "Hooli", "bearish", 0.9, 1, s * 1000L + 100);
                }
                if (s % 5 == 0) {
                    d.prediction("i-" + s, "Initech", "bearish", 0.9, 1, s * 1000L + 100);
                }
            }
            feed(d, "Globex", 120, 200, 5); // moves event time on, so the surge windows are decided
            List<Alert> alerts = d.alerts();
            assertTrue(
                    alerts.stream().anyMatch(a -> a.entity().equals("Hooli") && a.state() == Alert.State.RAISED),
                    () -> "the control entity with enough predictions raises: " + alerts);
            assertTrue(
                    alerts.stream().noneMatch(a -> a.entity().equals("Initech")),
                    () -> "below minCount nothing: " + alerts);
        }
    }

    private void lateRecordScenario(MonitorDriver d, boolean withinGrace) {
        feed(d, List.of("Initech", "Globex"), 0, 20, 0); // windows [0,10), [10,20): 10 neutral each, share 0
        for (int s = 21; s < 25; s++) { // window [20,30): 4 bearish, one short of minCount 5
            d.prediction("x-" + s, "Initech", "bearish", 0.9, 1, s * 1000L);
        }
        if (withinGrace) {
            d.prediction("g-31", "Globex", "neutral", 0.9, 1, 31_000); // stream time 31 s: [20,30) open until 35 s
            d.prediction("late", "Initech", "bearish", 0.9, 1, 29_000); // late, within grace
            d.prediction("g-36", "Globex", "neutral", 0.9, 1, 36_000); // decides [20,30)
        } else {
            d.prediction("g-36", "Globex", "neutral", 0.9, 1, 36_000); // decides [20,30) with 4 predictions
            d.prediction("late", "Initech", "bearish", 0.9, 1, 29_000); // after the grace
            d.prediction("g-50", "Globex", "neutral", 0.9, 1, 50_000);
        }
    }

    @Test
    void shouldCountALateRecordWithinTheGrace() {
        try (MonitorDriver d = new MonitorDriver(TUMBLING, TASK, state)) {
            lateRecordScenario(d, true);
            List<Alert> alerts = d.alerts();
            assertEquals(1, alerts.size(), alerts::toString);
            assertEquals(Alert.State.RAISED, alerts.get(0).state());
            assertEquals(5L, alerts.get(0).total(), "the late record is the fifth of the window");
            assertTrue(alerts.get(0).evidence().contains("late"), alerts::toString);
            assertEquals(0, d.metrics.count(MonitorMetrics.LATE, "task", TASK));
        }
    }

    @Test
    void shouldNotCountARecordLaterThanTheGraceAndCountItInTheLateMetric() {
        try (MonitorDriver d = new MonitorDriver(TUMBLING, TASK, state)) {
            lateRecordScenario(d, false);
            assertEquals(List.of(), d.alerts(), "the window was decided with 4 predictions, under minCount");
            assertEquals(1, d.metrics.count(MonitorMetrics.LATE, "task", TASK));
        }
    }

    @Test
    void shouldKeepTheBaselineAcrossARestartFromTheChangelog() throws Exception {
        MonitorTopology.Names n = new MonitorTopology.Names(TASK);
        String app = "streamtune-monitor-";
        List<TestRecord<String, byte[]>> entities;
        List<TestRecord<Bytes, byte[]>> index;
        List<TestRecord<String, Long>> clock;
        try (MonitorDriver first = new MonitorDriver(HOPPING, TASK, state.resolve("first"))) {
            feed(first, "Initech", 0, 120, 5); // nine windows of share 0.2
            assertEquals(List.of(), first.alerts());
            entities = first.driver
                    .createOutputTopic(
                            app + n.entityStore() + "-changelog", new StringDeserializer(), new ByteArrayDeserializer())
                    .readRecordsToList();
            index = first.driver
                    .createOutputTopic(
                            app + n.entityIndexStore() + "-changelog",
                            new BytesDeserializer(),
                            new ByteArrayDeserializer())
                    .readRecordsToList();
            clock = first.driver
                    .createOutputTopic(
                            app + n.surgeClockStore() + "-changelog", new StringDeserializer(), new LongDeserializer())
                    .readRecordsToList();
        }
        assertFalse(entities.isEmpty(), "the entity store is changelogged");
        // A new instance with a fresh state directory restores its stores by replaying the changelogs.
        try (MonitorDriver second = new MonitorDriver(HOPPING, TASK, state.resolve("second"))) {
            restore(second.driver.getKeyValueStore(n.entityStore()), entities);
            restore(second.driver.getKeyValueStore(n.entityIndexStore()), index);
            restore(second.driver.getKeyValueStore(n.surgeClockStore()), clock);
            surge(second, "Initech", 120, 150, 8);
            feed(second, "Initech", 150, 200, 5);
            List<Alert> alerts = second.alerts();
            assertFalse(alerts.isEmpty(), "the restored baseline lets the surge raise at once");
            Alert raised = alerts.get(0);
            assertEquals(Alert.State.RAISED, raised.state());
            assertTrue(raised.baseline().windows() >= 8, () -> "baseline windows from before the restart: " + raised);
            assertEquals(0.2, raised.baseline().mean(), 0.1, raised::toString);
        }
        // Control: the same surge without the restored state has no baseline to compare with.
        try (MonitorDriver fresh = new MonitorDriver(HOPPING, TASK, state.resolve("fresh"))) {
            surge(fresh, "Initech", 120, 150, 8);
            feed(fresh, "Initech", 150, 200, 5);
            assertTrue(
                    fresh.alerts().stream().noneMatch(a -> a.state() == Alert.State.RAISED && a.windowEnd() <= 160_000),
                    "without the baseline the surge's own windows cannot raise");
        }
    }

    private static <K, V> void restore(KeyValueStore<K, V> store, List<TestRecord<K, V>> changelog) {
        for (TestRecord<K, V> r : changelog) {
            if (r.value() == null) {
                store.delete(r.key());
            } else {
                store.put(r.key(), r.value());
            }
        }
    }

    @Test
    void shouldEvictTheLeastRecentlySeenEntityBeyondMaxEntities() {
        String yaml = HOPPING.replace("minCount: 10", "minCount: 10\n      maxEntities: 2");
        try (MonitorDriver d = new MonitorDriver(yaml, TASK, state)) {
            d.prediction("1", "Old", "neutral", 0.9, 1, 1_000);
            d.prediction("2", "Recent", "neutral", 0.9, 1, 12_000);
            d.prediction("3", "Old", "neutral", 0.9, 1, 2_000); // Old seen again, but in an older hop
            d.prediction("4", "New", "neutral", 0.9, 1, 13_000);
            KeyValueStore<String, byte[]> entities =
                    d.driver.getKeyValueStore(new MonitorTopology.Names(TASK).entityStore());
            assertEquals(null, entities.get("Old"), "the least recently seen (by event time) is evicted");
            assertNotNull(entities.get("Recent"));
            assertNotNull(entities.get("New"));
            assertEquals(1, d.metrics.count(MonitorMetrics.EVICTED, "task", TASK));
            assertEquals(
                    Map.of("entities", 2L),
                    Map.of("entities", ((Map<?, ?>) d.metrics.describe().get(TASK)).get("entities")));
        }
    }
}
