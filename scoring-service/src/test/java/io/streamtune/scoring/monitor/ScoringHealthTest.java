package io.streamtune.scoring.monitor;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What /health says, for each way the scorer can fail to score (issue 9, fault 10). */
class ScoringHealthTest {

    private static Map<String, Object> task(Long version) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("version", version);
        t.put("pinned", null);
        return t;
    }

    @SuppressWarnings("unchecked")
    private static List<String> reasons(Map<String, Object> h) {
        return (List<String>) h.get("reasons");
    }

    @Test
    void shouldSayUpOnlyWhenRunningAndNothingIsHeldOrFailing() {
        Map<String, Object> h =
                ScoringHealth.of(KafkaStreams.State.RUNNING, Map.of("reviews", task(4L)), t -> 0, List.of(), null);
        assertEquals("UP", h.get("status"));
        assertNull(h.get("reasons"));
    }

    @Test
    void shouldSayDownWhenStreamsIsNotRunning() {
        for (KafkaStreams.State s :
                new KafkaStreams.State[] {null, KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_SHUTDOWN}) {
            Map<String, Object> h = ScoringHealth.of(s, Map.of(), t -> 0, List.of(), null);
            assertEquals("DOWN", h.get("status"), String.valueOf(s));
        }
    }

    @Test
    void shouldSayDegradedNamingTheTaskWhenEventsAreHeld() {
        Map<String, Object> none =
                ScoringHealth.of(KafkaStreams.State.RUNNING, Map.of("finance", task(null)), t -> 100, List.of(), null);
        assertEquals("DEGRADED", none.get("status"));
        assertTrue(
                reasons(none).get(0).contains("task finance: 100 events held")
                        && reasons(none).get(0).contains("none yet"),
                reasons(none).toString());
        Map<String, Object> older =
                ScoringHealth.of(KafkaStreams.State.RUNNING, Map.of("finance", task(3L)), t -> 7, List.of(), null);
        assertTrue(
                reasons(older).get(0).contains("v3") && reasons(older).get(0).contains("scoring.pin.finance"),
                "tells the operator what to do: " + reasons(older));
    }

    @Test
    void shouldSayDegradedWhenStreamThreadsKeepFailingOrKafkaIsUnreachable() {
        Map<String, Object> once = ScoringHealth.of(
                KafkaStreams.State.RUNNING,
                Map.of(),
                t -> 0,
                List.of(new ScoringHealth.ThreadFailure(Instant.now(), "boom")),
                null);
        assertEquals("UP", once.get("status"), "one replaced thread is not yet a pattern");
        Map<String, Object> twice = ScoringHealth.of(
                KafkaStreams.State.RUNNING,
                Map.of(),
                t -> 0,
                List.of(
                        new ScoringHealth.ThreadFailure(Instant.now(), "boom"),
                        new ScoringHealth.ThreadFailure(Instant.now(), "bang")),
                null);
        assertEquals("DEGRADED", twice.get("status"));
        assertTrue(reasons(twice).get(0).contains("bang"), reasons(twice).toString());
        Map<String, Object> kafka = ScoringHealth.of(
                KafkaStreams.State.REBALANCING, Map.of(), t -> 0, List.of(), "cannot reach Kafka at localhost:1");
        assertEquals("DEGRADED", kafka.get("status"));
        assertEquals(List.of("cannot reach Kafka at localhost:1"), reasons(kafka));
    }
}
