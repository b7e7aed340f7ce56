package io.streamtune.trainer.training;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.streamtune.common.config.Device;
import io.streamtune.common.config.GatePolicy;
import io.streamtune.common.config.HeadPolicy;
import io.streamtune.common.config.Modality;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.config.WindowPolicy;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.FeatureCache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End to end on a real (int8 MiniLM) encoder: examples to a challenger, scored as the scorer scores it. */
class HeadLearnerTest {

    private static final List<String> LABELS = List.of("negative", "positive");
    private static final String ENCODER = "all-minilm-l6-v2-q";
    private static Backbones backbones;

    @BeforeAll
    static void open() {
        backbones = Backbones.opening(1, null);
    }

    @AfterAll
    static void close() {
        backbones.close();
    }

    private static TaskConfig task(int maxSequenceLength) {
        return new TaskConfig(
                "reviews",
                Modality.TEXT,
                LABELS,
                ENCODER,
                maxSequenceLength,
                1000,
                1000,
                new WindowPolicy(10, Duration.ofMinutes(1), 1, 100, 10),
                new GatePolicy(0.01, 0.5),
                HeadPolicy.defaults().withDevice(Device.CPU));
    }

    static List<Example> reviews(int seed) {
        String[] good = {"wonderful", "excellent", "great", "lovely", "fantastic", "delightful"};
        String[] bad = {"terrible", "awful", "horrible", "dreadful", "disgusting", "miserable"};
        String[] things = {"room", "staff", "breakfast", "service", "view", "bed", "movie", "food"};
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < things.length; i++) {
            String t = things[(i + seed) % things.length];
            out.add(example(seed, out.size(), "The " + t + " was " + good[(i + seed) % good.length] + ".", "positive"));
            out.add(example(seed, out.size(), "The " + t + " was " + bad[(i + seed) % bad.length] + ".", "negative"));
            out.add(example(
                    seed,
                    out.size(),
                    "I really loved the " + t + ", " + good[(i + 2 * seed) % good.length] + "!",
                    "positive"));
            out.add(example(
                    seed,
                    out.size(),
                    "I hated the " + t + ", simply " + bad[(i + 2 * seed) % bad.length] + ".",
                    "negative"));
        }
        return out;
    }

    private static Example example(int seed, int i, String text, String label) {
        return new Example("s" + seed + "-" + i, "reviews", text, null, label, 0, Map.of());
    }

    private static ModelArtifact artifact(Challenger c) {
        ModelVersion meta = new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                "reviews",
                1,
                null,
                c.backbone().id(),
                c.backbone().baseSha256(),
                LABELS,
                null,
                List.of(),
                0L,
                null);
        return ModelArtifact.of(meta, c.backbone(), c.head());
    }

    @Test
    void shouldTrainAChallengerThatScoresWellAndComputeFeaturesOnlyOnce() throws Exception {
        HeadLearner learner = new HeadLearner(backbones, 1000, 0.1);
        TaskConfig task = task(64);
        List<Example> train = reviews(0);
        Challenger c = learner.train(task, null, train);
        assertEquals(
                BackboneRef.text(ENCODER, c.backbone().baseSha256(), 64, null),
                c.backbone(),
                "stands on the frozen configured encoder at the configured length");
        assertEquals("head", c.kind());
        FeatureCache cache = learner.cache(c.backbone().key());
        assertEquals(train.size(), cache.misses());
        learner.train(task, null, train);
        assertEquals(train.size(), cache.hits(), "retraining on the same window must not compute features again");

        ModelArtifact a = ModelArtifact.parse(artifact(c).toBytes());
        ModelMetrics m = learner.evaluate(task, a, reviews(3));
        assertTrue(m.accuracy() >= 0.9, "held-out accuracy " + m);
    }

    @Test
    void shouldStandOnTheChampionsFineTunedBackboneOnlyWhenItMatchesTheTask() throws Exception {
        HeadLearner learner = new HeadLearner(backbones, 1000, 0.1);
        TaskConfig task = task(64);
        Challenger frozen = learner.train(task, null, reviews(0));
        byte[] pack = io.streamtune.common.model.TensorPack.builder()
                .attribute("mode", "bitfit")
                .build()
                .encode();
        BackboneRef tunedOtherLength = frozen.backbone()
                .withMaxSequenceLength(32)
                .withWeights(WeightsRef.inline(WeightsRef.Format.BITFIT, pack));
        ModelArtifact champion = ModelArtifact.of(
                new ModelVersion(
                        ModelVersion.FORMAT_VERSION,
                        "reviews",
                        1,
                        null,
                        ENCODER,
                        frozen.backbone().baseSha256(),
                        LABELS,
                        null,
                        List.of(),
                        0L,
                        null),
                tunedOtherLength,
                frozen.head());
        try (Backbones.Lease lease = learner.backboneFor(task, champion)) {
            assertEquals(
                    frozen.backbone(), lease.ref(), "a tuned champion at another length is not the task's backbone");
        }
        assertNotEquals(frozen.backbone().key(), tunedOtherLength.key());
    }

    @Test
    void shouldRejectExampleWithUnknownLabel() {
        HeadLearner learner = new HeadLearner(backbones, 10, 0.1);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> learner.train(
                        task(64), null, List.of(new Example("x", "reviews", "meh", null, "neutral", 0, Map.of()))));
        assertTrue(e.getMessage().contains("neutral"));
    }
}
