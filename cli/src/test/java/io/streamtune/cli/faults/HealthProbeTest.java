package io.streamtune.cli.faults;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import io.streamtune.broker.EmbeddedKafkaBroker;
import io.streamtune.common.metrics.MetricsServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe against the services' own health endpoint. */
class HealthProbeTest {

    @Test
    void shouldReadTheHealthDocumentAlsoWhenItIsServedWith503() throws Exception {
        Map<String, Object> degraded = Map.of(
                "status",
                "DEGRADED",
                "streams",
                "RUNNING",
                "reasons",
                List.of("cannot reach Kafka at localhost:9092 since 2026-11-29T15:41:25.170Z: no answer"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsServer server = MetricsServer.start(0, "scoring.metricsPort", registry, () -> degraded)) {
            Optional<JsonNode> h = new HealthProbe(server.port()).read();

            assertTrue(h.isPresent());
            assertEquals("RUNNING", h.get().path("streams").asText());
            assertEquals("DEGRADED", HealthProbe.status(h));
            assertEquals("DEGRADED: cannot reach Kafka at localhost:N since T: no answer", HealthProbe.summary(h));
        } finally {
            registry.close();
        }
    }

    @Test
    void shouldReadNothingWhereNoServiceAnswers() throws Exception {
        Optional<JsonNode> h = new HealthProbe(EmbeddedKafkaBroker.freePort()).read();

        assertTrue(h.isEmpty());
        assertEquals("NO ANSWER", HealthProbe.status(h));
    }
}
