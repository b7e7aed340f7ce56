package io.streamtune.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchLoopCommandTest {

    @Test
    void shouldWriteBothPathKeysInTheLastLineWhenTheFineTuningPathIsNotAvailable() throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("headPathWindowsSeconds", List.of(9.9, 7.7));
        result.put("finetunePathWindowsSeconds", null);
        result.put("headPathSeconds", 8.8);
        result.put("finetunePathSeconds", null);
        JsonNode line = Json.mapper().readTree(BenchLoopCommand.lastLine(result));
        assertEquals(8.8, line.get("headPathSeconds").asDouble());
        assertTrue(
                line.has("finetunePathSeconds")
                        && line.get("finetunePathSeconds").isNull(),
                "present and null, so a reader can tell 'not measured' from a missing field: " + line);
    }
}
