package io.streamtune.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import io.streamtune.common.event.Alert;
import io.streamtune.common.event.Reason;
import io.streamtune.common.serde.Json;
import io.streamtune.monitor.metrics.MonitorMetrics;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.trainer.monitor.TrainerMetrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every series the Grafana dashboard queries is one the services really export: the metrics
 * classes record a sample of everything into a Prometheus registry, and each metric name in a
 * dashboard expression must appear in the scrape (a renamed meter would leave a panel empty).
 */
class DashboardMetricsTest {

    @Test
    void shouldOnlyQueryMetricsTheServicesExport() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ScoringMetrics scoring = new ScoringMetrics(registry);
        scoring.eventReceived("t");
        scoring.predicted("t", 1, 3);
        scoring.latency("t", 12);
        scoring.batch("t", 3);
        scoring.deadLetter("t", Reason.MALFORMED_JSON);
        scoring.swapped("t", 1, System.currentTimeMillis(), Duration.ofMillis(20));
        scoring.rejected("t", "CHECKSUM_MISMATCH");
        scoring.encoderPending(() -> 1);
        TrainerMetrics trainer = new TrainerMetrics(registry);
        trainer.task("t");
        trainer.consumed("t");
        trainer.rejected("t", Reason.UNKNOWN_LABEL);
        trainer.trained("t", "published", 100);
        MonitorMetrics monitor = new MonitorMetrics(registry);
        monitor.prediction("t", MonitorMetrics.PredictionOutcome.MONITORED);
        monitor.late("t");
        monitor.alert("t", Alert.State.RAISED);
        monitor.alertDelay("t", Duration.ofSeconds(12));
        monitor.entities("t", 0, 3);
        monitor.evicted("t");
        monitor.topShares("t", 0, List.of(Map.entry("Initech", 0.8)));
        monitor.label("t", MonitorMetrics.LabelOutcome.JOINED);
        monitor.live("t", Map.of(1L, new MonitorMetrics.Live(0.9, 0.88, 10)));
        monitor.drift("t", Alert.Watched.ERROR_RATE, true);
        String scrape = registry.scrape();

        JsonNode dashboard = Json.mapper()
                .readTree(
                        Path.of("../deploy/grafana/dashboards/streamtune.json").toFile());
        Set<String> queried = new TreeSet<>();
        Matcher m = Pattern.compile("streamtune_[a-z0-9_]+").matcher(dashboard.toString());
        while (m.find()) {
            queried.add(m.group());
        }
        assertTrue(queried.size() >= 10, () -> "the dashboard queries " + queried);
        assertTrue(
                queried.stream()
                                .filter(q -> q.startsWith("streamtune_monitor_"))
                                .count()
                        >= 6,
                () -> "the dashboard shows the monitor service: " + queried);
        for (String name : queried) {
            assertTrue(
                    Pattern.compile("(?m)^" + name + "[{ ]").matcher(scrape).find(),
                    () -> "the dashboard queries " + name + ", which no service exports:\n" + scrape);
        }
    }
}
