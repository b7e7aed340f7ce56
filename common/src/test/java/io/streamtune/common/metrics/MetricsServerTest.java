package io.streamtune.common.metrics;

import java.io.UncheckedIOException;
import java.util.Map;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsServerTest {

    @Test
    void shouldNameTheSettingAndTheFlagWhenThePortIsTaken() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsServer first = MetricsServer.start(0, "monitoring.metricsPort", registry, () -> Map.of())) {
            UncheckedIOException e = assertThrows(
                    UncheckedIOException.class,
                    () -> MetricsServer.start(first.port(), "monitoring.metricsPort", registry, () -> Map.of()));
            assertTrue(
                    e.getMessage().contains("port " + first.port())
                            && e.getMessage().contains("set monitoring.metricsPort or --metrics-port"),
                    e.getMessage());
        } finally {
            registry.close();
        }
    }
}
