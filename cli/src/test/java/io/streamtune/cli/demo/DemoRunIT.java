package io.streamtune.cli.demo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.testing.SharedKafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's pieces end to end in one JVM on the real broker: the real trainer and scorer (as the
 * demo command starts them), the feed, and a read_committed reader counting predictions per event.
 */
class DemoRunIT {

    @Test
    @Timeout(300)
    void shouldPublishNewVersionsAndPredictEveryEventExactlyOnceWithoutARestart() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        DemoRun.Options options = new DemoRun.Options(
                Duration.ofSeconds(45),
                30,
                null,
                SharedKafka.bootstrapServers(),
                100,
                11,
                0.03,
                Duration.ofSeconds(90));
        DemoRun.Report r = new DemoRun(
                        options,
                        io.streamtune.cli.DemoCommandAccess.services(),
                        new PrintStream(screen, true, StandardCharsets.UTF_8))
                .run();
        String shown = screen.toString(StandardCharsets.UTF_8);

        assertTrue(r.eventsProduced() > 300, () -> "the feed ran: " + r);
        assertEquals(0, r.lost(), () -> "every event has a prediction: " + r + "\n" + shown);
        assertEquals(0, r.duplicates(), () -> "and only one: " + r);
        assertEquals(r.eventsProduced(), r.predictions(), () -> "one prediction per event: " + r);
        assertTrue(
                r.modelVersions().contains("reviews:v2") || r.modelVersions().contains("finance:v2"),
                () -> "at least two versions of a task were published: " + r.modelVersions());
        long bySecond = r.predictionsByVersion().entrySet().stream()
                .filter(e -> !e.getKey().endsWith(":v1"))
                .mapToLong(e -> e.getValue())
                .sum();
        assertTrue(
                bySecond > 0,
                () -> "predictions by a later version appear without a restart: " + r.predictionsByVersion());
        assertEquals(r.malformedProduced(), r.dlq(), () -> "every malformed record was dead-lettered: " + r);
        assertTrue(shown.contains("is live: predictions now name it"), shown);
        assertTrue(r.liveAccuracy() > 0.7, () -> "the models learn the feed: " + r.liveAccuracy());
        // The monitor runs beside them: late labels were sent. 45 s cannot fit a surge and its clearing (the alert path
        // itself is DemoAlertScriptTest's): the demo says so at start, scripts none, and no company is alerted.
        assertTrue(r.lateLabels() > 0, r::toString);
        assertTrue(
                shown.contains("** no scripted surge in this run: --duration 45s is shorter than the "
                        + SurgeScript.text(SurgeScript.DEMO.minimumDuration())),
                shown);
        assertEquals(null, r.surgeEntity(), r::toString);
        assertEquals(0, r.alertsRaised(), () -> "no surge alert without a surge: " + r.alerts());
    }
}
