package io.streamtune.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamtune.common.event.Reason;
import io.streamtune.common.serde.Json;
import io.streamtune.scoring.monitor.ScoringMetrics;
import io.streamtune.trainer.monitor.TrainerMetrics;

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
        String scrape = registry.scrape();

        JsonNode dashboard = Json.mapper().readTree(Path.of("../deploy/grafana/dashboards/streamtune.json").toFile());
        Set<String> queried = new TreeSet<>();
        Matcher m = Pattern.compile("streamtune_[a-z0-9_]+").matcher(dashboard.toString());
        while (m.find()) {
            queried.add(m.group());
        }
        assertTrue(queried.size() >= 10, () -> "the dashboard queries " + queried);
        for (String name : queried) {
            assertTrue(Pattern.compile("(?m)^" + name + "[{ ]").matcher(scrape).find(),
                    () -> "the dashboard queries " + name + ", which no service exports:\n" + scrape);
        }
    }
}
