package io.streamtune.trainer.gate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.streamtune.common.config.Device;
import io.streamtune.common.config.GatePolicy;
import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.HeadPolicy;
import io.streamtune.common.config.Modality;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.config.WindowPolicy;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelEvent;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.WindowRange;
import io.streamtune.trainer.training.Challenger;
import io.streamtune.trainer.training.Learner;
import io.streamtune.trainer.window.TrainingWindow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class PromotionGateTest {
    private static final List<String> LABELS = List.of("negative", "positive");
    private static final TaskConfig TASK = new TaskConfig(
            "t",
            Modality.TEXT,
            LABELS,
            "enc",
            64,
            1000,
            1000,
            new WindowPolicy(10, Duration.ofMinutes(1), 1, 100, 10),
            new GatePolicy(0.01, 0.5),
            HeadPolicy.defaults().withDevice(Device.CPU));
    private static final BackboneRef BACKBONE = BackboneRef.text("enc", "sum", 64, null);

    /** Scores artifacts by version from a table; records which holdout each was scored on. */
    private static final class TableLearner implements Learner {
        final Map<Long, Double> f1ByVersion;
        final List<List<Example>> scoredOn = new ArrayList<>();

        TableLearner(Map<Long, Double> f1ByVersion) {
            this.f1ByVersion = f1ByVersion;
        }

        static HeadWeights head() {
            return new HeadWeights(HeadKind.LINEAR, List.of(new HeadWeights.Layer(2, 2, new float[4], new float[2])));
        }

        @Override
        public Challenger train(TaskConfig task, ModelArtifact champion, List<Example> training) {
            return new Challenger(BACKBONE, head(), "head", "cpu");
        }

        @Override
        public ModelMetrics evaluate(TaskConfig task, ModelArtifact a, List<Example> holdout) {
            scoredOn.add(holdout);
            double f1 = f1ByVersion.get(a.meta().version());
            return new ModelMetrics(f1, f1, holdout.size(), Map.of());
        }
    }

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
    private static final TrainingWindow WINDOW = new TrainingWindow(
            List.of(new Example("a", "t", "x", null, "positive", 0, Map.of())),
            List.of(new Example("h", "t", "y", null, "negative", 0, Map.of())),
            List.of(new WindowRange("t.examples", 0, 10, 19, 9)),
            9,
            "retrainEvery");

    private static ModelArtifact champion() {
        return ModelArtifact.of(
                new io.streamtune.common.model.ModelVersion(
                        2, "t", 3, 2L, "enc", "sum", LABELS, null, List.of(), 0, null),
                BACKBONE,
                TableLearner.head());
    }

    @Test
    void shouldRejectAWorseChallengerScoredOnTheChampionsHoldout() throws Exception {
        TableLearner learner = new TableLearner(Map.of(3L, 0.90, 4L, 0.85));
        GateDecision d = new PromotionGate(learner, CLOCK).judge(TASK, champion(), 4, 3L, WINDOW);
        assertFalse(d.admitted());
        assertEquals(2, learner.scoredOn.size());
        assertSame(learner.scoredOn.get(0), learner.scoredOn.get(1), "champion and challenger on the same holdout");
        assertEquals("challenger macro-F1 0.8500 < champion 0.9000 - tolerance 0.0100", d.reason());
        ModelEvent e = d.toEvent(WINDOW, 5);
        assertEquals(ModelEvent.Decision.REJECTED, e.decision());
        assertEquals(4, e.version());
        assertEquals(3L, e.parentVersion());
        assertEquals(0.90, e.champion().macroF1());
        assertEquals(WINDOW.ranges(), e.window());
    }

    @Test
    void shouldAdmitWithinToleranceAndStampTheArtifact() throws Exception {
        GateDecision d = new PromotionGate(new TableLearner(Map.of(3L, 0.90, 4L, 0.895)), CLOCK)
                .judge(TASK, champion(), 4, 3L, WINDOW);
        assertTrue(d.admitted(), d.reason());
        assertEquals(4, d.challenger().meta().version());
        assertEquals(3L, d.challenger().meta().parentVersion());
        assertEquals(0.895, d.challenger().meta().metrics().macroF1());
        assertEquals(WINDOW.ranges(), d.challenger().meta().window());
        assertEquals(CLOCK.millis(), d.challenger().meta().createdAtMillis());
        assertEquals(BACKBONE, d.challenger().backbone(), "the version records the backbone it was trained on");
        ModelEvent e = d.toEvent(WINDOW, 5);
        assertEquals("head", e.challengerKind());
        assertEquals("cpu", e.device());
    }

    @Test
    void shouldGateTheFirstVersionOnTheFloorOnly() throws Exception {
        GateDecision low =
                new PromotionGate(new TableLearner(Map.of(1L, 0.4)), CLOCK).judge(TASK, null, 1, null, WINDOW);
        assertFalse(low.admitted());
        assertNull(low.championMetrics());
        GateDecision ok =
                new PromotionGate(new TableLearner(Map.of(1L, 0.6)), CLOCK).judge(TASK, null, 1, null, WINDOW);
        assertTrue(ok.admitted());
    }
}
