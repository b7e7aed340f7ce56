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

/**
 * {@code streamtune demo --duration 30s}, as a user runs it (its own embedded broker), ends by itself with lost = 0,
 * and its image task (generated shapes, whatever ../shared/data holds) gets a version live and predictions beside the
 * text tasks.
 */
class DemoCommandIT {

    @Test
    @Timeout(240)
    void shouldEndByItselfAndReportNoLostEventsAsItsLastLineWithImageVersionsLiveBesideTheTextTasks() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            // Kafka's log goes to target/, not into the module's source tree.
            exit = StreamtuneCommand.run(
                    "demo",
                    "--duration",
                    "30s",
                    "--retrain-every",
                    "100",
                    "--images",
                    "shapes",
                    "--data",
                    "target/demo-it");
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

        // The image task, beside the text tasks: it says its source, a version of it goes live (the first read
        // prediction names it), and its events are predicted (lost = 0 above counts them too).
        assertEquals("shapes", last.path("imageSource").asText(), out);
        assertTrue(out.contains("** image task 'images': generated shapes drawn by the demo"), out);
        assertTrue(last.path("firstLiveSeconds").has("images"), () -> "an image version went live: " + out);
        assertTrue(last.path("predictionsByTask").path("images").asLong() > 0, () -> "image predictions: " + out);
        assertTrue(
                lines.stream().anyMatch(l -> l.matches(">> images v\\d+ is live: predictions now name it.*")),
                () -> "the image version going live is shown: " + out);
        for (String task : List.of("reviews", "finance")) {
            assertTrue(last.path("firstLiveSeconds").has(task), () -> "the text tasks' versions still go live: " + out);
        }
    }
}
