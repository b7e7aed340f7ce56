package io.streamtune.common.model;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RecordTypeTest {

    @Test
    void shouldTreatARecordWithoutHeaderAsAModelEventAndNameTheOthers() {
        assertEquals(RecordType.MODEL_EVENT, RecordType.of(new RecordHeaders()));
        RecordHeaders live = new RecordHeaders();
        live.add(RecordType.HEADER, RecordType.LIVE_METRICS.headerValue());
        assertEquals(RecordType.LIVE_METRICS, RecordType.of(live));
        RecordHeaders future = new RecordHeaders();
        future.add(RecordType.HEADER, "capacity-plan".getBytes(StandardCharsets.UTF_8));
        assertEquals(RecordType.OTHER, RecordType.of(future));
    }

    @Test
    void shouldWriteLiveMetricsWithTheirTypeField() throws Exception {
        LiveMetrics m = new LiveMetrics(null, "finance", 3, 0.9, 0.88, 100, 500, Map.of("bearish", 0.9), 120, 5L);
        JsonNode json = Json.mapper().readTree(Json.write(m));
        assertEquals("live-metrics", json.get("type").asText());
        assertEquals(m, Json.read(Json.write(m), LiveMetrics.class));
    }
}
