package io.streamtune.trainer.window;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.WindowPolicy;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.WindowRange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class TaskWindowTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final WindowPolicy POLICY = new WindowPolicy(100, Duration.ofMinutes(5), 20, 50, 10);

    private static Example example(String id) {
        return new Example(id, "t", "text " + id, null, "a", 0, Map.of());
    }

    /** An id on the requested side of the holdout. */
    static String id(String prefix, int i, boolean holdout) {
        for (int k = 0; ; k++) {
            String id = prefix + "-" + i + "-" + k;
            if (Holdout.contains(id, POLICY.holdoutPercent()) == holdout) {
                return id;
            }
        }
    }

    @Test
    void shouldFireAfterRetrainEveryNewExamples() {
        assertFalse(RetrainTrigger.due(POLICY, 99, Duration.ZERO));
        assertTrue(RetrainTrigger.due(POLICY, 100, Duration.ZERO));
    }

    @Test
    void shouldFireAfterMaxWaitOnlyWithMinNewExamples() {
        assertFalse(RetrainTrigger.due(POLICY, 19, Duration.ofMinutes(10)));
        assertFalse(RetrainTrigger.due(POLICY, 20, Duration.ofMinutes(4)));
        assertTrue(RetrainTrigger.due(POLICY, 20, Duration.ofMinutes(5)));
    }

    /** A window at T0 with 30 training and 3 holdout examples on partition 0 (offsets 0..32), none attempted yet. */
    private static TaskWindow windowOf30TrainingAnd3Holdout() {
        TaskWindow w = new TaskWindow("t.examples", POLICY, T0);
        w.startRange(0, 0);
        for (int i = 0; i < 30; i++) {
            w.add(example(id("tr", i, false)), 0, true, true);
        }
        for (int i = 0; i < 3; i++) {
            w.add(example(id("ho", i, true)), 0, true, true);
        }
        return w;
    }

    @Test
    void shouldRetrainOnADriftSignalAtTheFirstNewExampleAndOnlyOnce() {
        TaskWindow w = windowOf30TrainingAnd3Holdout();
        assertFalse(w.due(T0, 3), "33 new of retrainEvery 100 and no maxWait yet");
        w.signalDrift("drift (page-hinkley on error-rate)");
        assertTrue(w.due(T0, 3));
        assertEquals(
                "drift (page-hinkley on error-rate)",
                w.snapshot(Map.of(0, 33L), T0).trigger());
        w.attempted(T0, true, Map.of(0, 33L));

        w.signalDrift("drift (page-hinkley on confidence)");
        assertFalse(w.due(T0, 3), "nothing new since the last attempt: the same window would be judged again");
        w.add(example(id("tr", 99, false)), 0, true, true);
        assertTrue(w.due(T0, 3));
        w.attempted(T0, false, Map.of(0, 34L));
        w.add(example(id("tr", 100, false)), 0, true, true);
        assertFalse(w.due(T0, 3), "the signal is spent by the attempt");
    }

    @Test
    void shouldNameTheDriftSignalAsTheTriggerAlsoWhenMaxWaitHasPassed() {
        TaskWindow w = windowOf30TrainingAnd3Holdout();
        assertEquals(
                Map.of("newExamples", 33L, "retrainEvery", 100, "maxWaitAt", "2026-11-23T10:05:00Z", "minNew", 20),
                w.nextTraining(),
                "health tells when the next training comes: maxWait counts from the start before the first attempt");
        Instant late = T0.plus(Duration.ofMinutes(6)); // past maxWait (5 min) with minNew (20) new examples
        assertEquals("maxWait", w.snapshot(Map.of(0, 33L), late).trigger());
        w.signalDrift("drift (page-hinkley on error-rate)");
        assertEquals(
                "drift (page-hinkley on error-rate)",
                w.snapshot(Map.of(0, 33L), late).trigger(),
                "the monitor asked for this retrain: the audit says drift, not maxWait");
    }

    @Test
    void shouldKeepHoldoutExamplesOutOfTrainingAndBoundBoth() {
        TaskWindow w = new TaskWindow("t.examples", POLICY, T0);
        w.startRange(0, 0);
        for (int i = 0; i < 80; i++) {
            w.add(example(id("tr", i, false)), 0, true, true);
        }
        for (int i = 0; i < 12; i++) {
            w.add(example(id("ho", i, true)), 0, true, true);
        }
        TrainingWindow s = w.snapshot(Map.of(0, 92L), T0);
        assertEquals(50, s.training().size(), "training keeps window.size");
        assertEquals(5, s.holdout().size(), "holdout keeps ceil(50 * 10 / 100)");
        assertTrue(s.training().stream().noneMatch(e -> Holdout.contains(e.id(), 10)));
        assertTrue(s.holdout().stream().allMatch(e -> Holdout.contains(e.id(), 10)));
        assertEquals(id("tr", 79, false), s.training().get(49).id(), "the most recent are kept");
        assertEquals(id("tr", 30, false), s.training().get(0).id());
        assertEquals(id("ho", 7, true), s.holdout().get(0).id());
        assertEquals(92, s.coveredExamples());
    }

    @Test
    void shouldNotBeDueWithoutEnoughHoldout() {
        TaskWindow w = new TaskWindow("t.examples", POLICY, T0);
        w.startRange(0, 0);
        for (int i = 0; i < 100; i++) {
            w.add(example(id("tr", i, false)), 0, true, true);
        }
        assertFalse(w.due(T0, 1), "100 new but no holdout example");
        w.add(example(id("ho", 0, true)), 0, true, true);
        assertTrue(w.due(T0, 1));
    }

    @Test
    void shouldCountOnlyNewExamplesTowardsTheTrigger() {
        TaskWindow w = new TaskWindow("t.examples", POLICY, T0);
        w.startRange(0, 0);
        w.add(example(id("ho", 0, true)), 0, true, true);
        for (int i = 0; i < 150; i++) {
            w.add(example(id("old", i, false)), 0, true, false);
        }
        assertFalse(w.due(T0.plusSeconds(1), 1), "examples an attempt has seen are not new");
        assertEquals(1, w.newSinceAttempt());
    }

    @Test
    void shouldJoinRangesOfConsecutiveVersionsWithoutGapAndCountEachExampleOnce() {
        TaskWindow w = new TaskWindow("t.examples", POLICY, T0);
        w.startRange(0, 0);
        w.startRange(1, 0);
        for (int i = 0; i < 30; i++) {
            w.add(example(id("a", i, false)), i % 2, true, true);
        }
        TrainingWindow first = w.snapshot(Map.of(0, 16L, 1, 17L), T0); // partition 1 also holds a marker or dead letter
        assertEquals(
                List.of(new WindowRange("t.examples", 0, 0, 15, 15), new WindowRange("t.examples", 1, 0, 16, 15)),
                first.ranges());
        w.attempted(T0.plusSeconds(1), true, Map.of(0, 16L, 1, 17L));

        for (int i = 0; i < 10; i++) {
            w.add(example(id("b", i, false)), 0, true, true);
        }
        TrainingWindow rejected = w.snapshot(Map.of(0, 26L, 1, 17L), T0);
        assertEquals(
                List.of(new WindowRange("t.examples", 0, 16, 25, 10)),
                rejected.ranges(),
                "a partition with nothing new is left out");
        w.attempted(T0.plusSeconds(2), false, Map.of(0, 26L, 1, 17L));

        for (int i = 0; i < 5; i++) {
            w.add(example(id("c", i, false)), 1, true, true);
        }
        TrainingWindow second = w.snapshot(Map.of(0, 26L, 1, 22L), T0);
        assertEquals(
                List.of(new WindowRange("t.examples", 0, 16, 25, 10), new WindowRange("t.examples", 1, 17, 21, 5)),
                second.ranges(),
                "after a rejection the next version still covers from the parent's end");
        assertEquals(5, second.newExamples());
    }

    @Test
    void shouldNeverMoveARangeBackwardsOverOffsetsAnEarlierVersionCovers() {
        TaskWindow w = new TaskWindow("t.examples", POLICY, T0);
        w.startRange(0, 264); // the published history ends at 263 on partition 0
        w.startRange(1, 0);
        for (int i = 0; i < 10; i++) {
            w.add(example(id("p1", i, false)), 1, true, true);
        }
        // Partition 0 is still being re-read (position 100) when a version is published.
        w.attempted(T0.plusSeconds(1), true, Map.of(0, 100L, 1, 10L));
        for (int i = 0; i < 5; i++) {
            w.add(example(id("p0", i, false)), 0, true, true);
        }
        assertEquals(
                List.of(new WindowRange("t.examples", 0, 264, 268, 5)),
                w.snapshot(Map.of(0, 269L, 1, 10L), T0).ranges());
    }

    @Test
    void shouldNotCountRefilledExamplesInTheRange() {
        TaskWindow w = new TaskWindow("t.examples", POLICY, T0);
        w.startRange(0, 40);
        for (int i = 0; i < 40; i++) {
            w.add(example(id("old", i, false)), 0, false, false);
        }
        for (int i = 0; i < 3; i++) {
            w.add(example(id("new", i, false)), 0, true, true);
        }
        TrainingWindow s = w.snapshot(Map.of(0, 43L), T0);
        assertEquals(43, s.training().size(), "refilled examples train");
        assertEquals(
                List.of(new WindowRange("t.examples", 0, 40, 42, 3)), s.ranges(), "but an earlier version covers them");
    }

    @Test
    void shouldFireOnMaxWaitFromTheLastAttempt() {
        TaskWindow w = new TaskWindow("t.examples", POLICY, T0);
        w.startRange(0, 0);
        w.add(example(id("ho", 0, true)), 0, true, true);
        for (int i = 0; i < 25; i++) {
            w.add(example(id("a", i, false)), 0, true, true);
        }
        assertFalse(w.due(T0.plus(Duration.ofMinutes(4)), 1));
        assertTrue(w.due(T0.plus(Duration.ofMinutes(5)), 1));
        w.attempted(T0.plus(Duration.ofMinutes(5)), false, Map.of(0, 26L));
        for (int i = 0; i < 25; i++) {
            w.add(example(id("b", i, false)), 0, true, true);
        }
        assertFalse(w.due(T0.plus(Duration.ofMinutes(9)), 1), "maxWait counts from the last attempt");
        assertTrue(w.due(T0.plus(Duration.ofMinutes(10)), 1));
    }
}
