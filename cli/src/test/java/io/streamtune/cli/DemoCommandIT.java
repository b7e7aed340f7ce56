package io.streamtune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.serde.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code streamtune demo --duration 30s}, as a user runs it (its own embedded broker), ends by itself with lost = 0. */
class DemoCommandIT {

    @Test
    @Timeout(240)
    void shouldEndByItselfAndReportNoLostEventsAsItsLastLine() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            // Kafka's log goes to target/, not into the module's source tree.
            exit = StreamtuneCommand.run(
                    "demo", "--duration", "30s", "--retrain-every", "100", "--data", "target/demo-it");
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(0, exit, out);
        JsonNode last = Json.mapper().readTree(lines.get(lines.size() - 1));
        assertEquals(0, last.get("lost").asLong(), out);
        assertEquals(0, last.get("duplicates").asLong(), out);
        assertTrue(last.get("eventsProduced").asLong() > 0, out);
        assertTrue(
                last.get("predictions").asLong() >= last.get("eventsProduced").asLong(), out);
        assertTrue(
                last.get("modelVersions").isArray() && last.get("modelVersions").size() >= 2, out);
        assertEquals(
                last.get("malformedProduced").asLong(),
                last.get("dlq").asLong(),
                "every malformed record dead-lettered: " + out);
    }
}
