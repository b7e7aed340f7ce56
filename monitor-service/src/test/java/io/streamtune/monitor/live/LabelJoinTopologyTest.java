package io.streamtune.monitor.live;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.model.LiveMetrics;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.monitor.testing.MonitorDriver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Late labels joined to predictions through the production topology under TopologyTestDriver. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LabelJoinTopologyTest {
    private static final String YAML = """
            kafka: {bootstrap.servers: "ttd:9092"}
            tasks:
              - name: finance
                labels: [bearish, neutral, bullish]
                monitor:
                  alertLabel: bearish
                  labelJoinWindow: 1m
                  accuracyWindow: 100
                  drift: {enabled: false}
            """;

    @TempDir
    Path state;

    private static double count(MonitorDriver d, MonitorMetrics.LabelOutcome outcome) {
        return d.metrics.count(
                MonitorMetrics.LABELS,
                "task",
                "finance",
                "outcome",
                outcome.name().toLowerCase().replace('_', '-'));
    }

    @Test
    void shouldJoinLabelsInEitherOrderWithinTheWindowAndCountTheRest() {
        try (MonitorDriver d = new MonitorDriver(YAML, "finance", state)) {
            long t0 = 1_000_000;
            d.prediction("after", "Acme", "bearish", 0.8, 1, t0);
            d.label("after", "bearish", t0 + 10_000); // 10 s after its prediction: joins
            d.label("before", "neutral", t0 + 20_000); // the label first ...
            d.prediction("before", "Acme", "bullish", 0.7, 1, t0 + 25_000); // ... then its prediction: joins (wrong)
            d.prediction("far", "Acme", "neutral", 0.9, 1, t0 + 30_000);
            d.label("far", "neutral", t0 + 30_000 + 90_000); // 90 s apart, window 60 s: not joined
            d.label("nobody", "bearish", t0 + 40_000); // no prediction ever has this id
            d.prediction("tick", null, "neutral", 0.9, 1, t0 + 400_000); // stream time passes 2 x window after "nobody"
            d.label("tick-label-less", "neutral", t0 + 400_000);
            assertEquals(2, count(d, MonitorMetrics.LabelOutcome.JOINED));
            assertEquals(1, count(d, MonitorMetrics.LabelOutcome.OUTSIDE_WINDOW));
            assertEquals(1, count(d, MonitorMetrics.LabelOutcome.NEVER_SCORED));
            d.driver.advanceWallClockTime(Duration.ofSeconds(2));
            List<LiveMetrics> live = d.liveMetrics();
            assertEquals(1, live.size(), live::toString);
            assertEquals(1, live.get(0).modelVersion());
            assertEquals(2, live.get(0).pairs());
            assertEquals(0.5, live.get(0).accuracy(), 1e-9, "one of the two joined pairs is right");
        }
    }

    @Test
    void shouldReportAccuracyPerVersionEqualToAHandCount() {
        try (MonitorDriver d = new MonitorDriver(YAML, "finance", state)) {
            // truth, then the prediction of v1 / v2; right when equal.
            String[][] v1 = {
                {"bearish", "bearish"},
                {"neutral", "neutral"},
                {"bullish", "neutral"},
                {"bearish", "bearish"},
                {"neutral", "bullish"},
                {"bullish", "bullish"},
                {"neutral", "neutral"}
            }; // 5 of 7 right
            String[][] v2 = {{"bearish", "bearish"}, {"bullish", "bearish"}, {"neutral", "neutral"}}; // 2 of 3 right
            long t = 5_000_000;
            for (int i = 0; i < v1.length; i++) {
                d.prediction("v1-" + i, "Acme", v1[i][1], 0.9, 1, t += 1_000);
                d.label("v1-" + i, v1[i][0], t + 500);
            }
            for (int i = 0; i < v2.length; i++) {
                d.label("v2-" + i, v2[i][0], t += 1_000); // labels first this time
                d.prediction("v2-" + i, "Acme", v2[i][1], 0.9, 2, t + 500);
            }
            d.driver.advanceWallClockTime(Duration.ofSeconds(2));
            Map<Long, LiveMetrics> byVersion =
                    d.liveMetrics().stream().collect(Collectors.toMap(LiveMetrics::modelVersion, m -> m, (a, b) -> b));
            assertEquals(5.0 / 7, byVersion.get(1L).accuracy(), 1e-4);
            assertEquals(7, byVersion.get(1L).pairs());
            assertEquals(2.0 / 3, byVersion.get(2L).accuracy(), 1e-4);
            // v1 by hand: bearish P=R=1 -> F1 1; neutral TP 2, true 3, predicted 3 -> 2/3; bullish TP 1, true 2,
            // predicted 2 -> 1/2
            assertEquals((1 + 2.0 / 3 + 0.5) / 3, byVersion.get(1L).macroF1(), 1e-4);
            assertEquals("live-metrics", byVersion.get(1L).type());
            Map<?, ?> health = (Map<?, ?>) ((Map<?, ?>) d.metrics.describe().get("finance")).get("liveAccuracy");
            assertTrue(health.containsKey("v1") && health.containsKey("v2"), health::toString);
        }
    }
}
