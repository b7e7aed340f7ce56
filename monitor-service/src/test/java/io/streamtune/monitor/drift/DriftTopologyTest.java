package io.streamtune.monitor.drift;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.event.Alert;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.testing.MonitorDriver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DRIFT records through the production topology: one per detection, then a cool-down. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DriftTopologyTest {
    private static final String YAML = """
            kafka: {bootstrap.servers: "ttd:9092"}
            tasks:
              - name: finance
                labels: [bearish, neutral, bullish]
                monitor:
                  alertLabel: bearish
                  drift: {warmup: 100, coolDown: 10m}
            """;

    @TempDir
    Path state;

    @Test
    void shouldWriteOneDriftRecordKeyedByTaskWhenTheLabelMixShiftsAndHoldTheRestInTheCoolDown() {
        try (MonitorDriver d = new MonitorDriver(YAML, "finance", state)) {
            Random r = new Random(11);
            long t = 1_000_000;
            for (int i = 0; i < 2_000; i++) {
                String label = r.nextDouble() < 0.15 ? "bearish" : r.nextDouble() < 0.7 ? "neutral" : "bullish";
                d.prediction("n-" + i, null, label, 0.8 + 0.1 * r.nextDouble(), 1, t += 100);
            }
            assertEquals(List.of(), d.alerts(), "no drift while the mix is stationary");
            for (int i = 0; i < 600; i++) {
                String label = r.nextDouble() < 0.6 ? "bearish" : "neutral";
                d.prediction("s-" + i, null, label, 0.8 + 0.1 * r.nextDouble(), 1, t += 100);
            }
            List<Alert> alerts = d.alerts();
            assertEquals(1, alerts.size(), () -> "one DRIFT record within the cool-down: " + alerts);
            Alert drift = alerts.get(0);
            assertTrue(drift.isDriftRecord());
            assertNull(drift.entity());
            assertEquals("page-hinkley", drift.drift().detector());
            assertEquals(Alert.Watched.LABEL_MIX, drift.drift().watched());
            assertTrue(drift.drift().statistic() > drift.drift().threshold(), drift::toString);
            assertEquals(List.of(1L), drift.modelVersions());
            assertTrue(
                    d.metrics.count(
                                    MonitorMetrics.DRIFT,
                                    "task",
                                    "finance",
                                    "watched",
                                    "label-mix",
                                    "outcome",
                                    "cooling-down")
                            >= 1,
                    "the other labels' detectors fired too, within the cool-down");
        }
    }
}
