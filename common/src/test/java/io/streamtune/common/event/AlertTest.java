package io.streamtune.common.event;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlertTest {

    @Test
    void shouldWriteDriftRecordsWithTheWatchedStatisticAsDocumented() throws Exception {
        Alert drift = new Alert(
                "finance",
                null,
                Alert.State.DRIFT,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(4L),
                null,
                null,
                new Alert.Drift("page-hinkley", Alert.Watched.ERROR_RATE, null, "up", 51.3, 50, 412, 0.08, 0.31),
                1000L);
        JsonNode json = Json.mapper().readTree(Json.write(drift));
        assertEquals("DRIFT", json.get("state").asText());
        assertEquals("error-rate", json.at("/drift/watched").asText(), json::toString);
        assertFalse(json.has("entity"), "a drift record has no entity: " + json);
        Alert back = Alert.parse(Json.write(drift));
        assertTrue(back.isDriftRecord());
        assertEquals(drift, back);
    }

    @Test
    void shouldKeepLabelOrderOfCountsThroughJson() throws Exception {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("bearish", 9L);
        counts.put("neutral", 1L);
        counts.put("bullish", 2L);
        Alert raised = new Alert(
                "finance",
                "Initech",
                Alert.State.RAISED,
                0L,
                30_000L,
                counts,
                12L,
                "bearish",
                0.75,
                new Alert.Baseline(0.3, 0.05, 6),
                0.5,
                List.of(3L),
                List.of("e-1", "e-2"),
                12_000L,
                null,
                31_000L);
        String text = Json.writeString(raised);
        assertTrue(text.contains("\"counts\":{\"bearish\":9,\"neutral\":1,\"bullish\":2}"), text);
        Alert back = Alert.parse(text.getBytes(StandardCharsets.UTF_8));
        assertEquals(
                List.of("bearish", "neutral", "bullish"),
                List.copyOf(back.counts().keySet()));
        assertFalse(back.isDriftRecord());
        assertEquals(raised, back);
    }
}
