package io.streamtune.trainer.training.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.config.StreamtuneConfig;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Example;
import io.streamtune.common.image.GeneratedShapes;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneKind;
import io.streamtune.common.model.DirectoryArtifactStore;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.trainer.training.Challenger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image task's learner as the trainer drives it: examples as the parser passes them (base64 PNGs),
 * a challenger whose backbone is an inline CNN pack, evaluation through {@code Classifier.open} (the
 * scorer's path), and continuous fine-tuning from the champion.
 */
class CnnLearnerTest {
    private static Backbones backbones;

    @BeforeAll
    static void pool() {
        backbones = Backbones.create(
                (id, length) -> {
                    throw new IllegalStateException("an image task opens no text encoder");
                },
                null);
    }

    @AfterAll
    static void close() {
        backbones.close();
    }

    static TaskConfig task(int layers) throws Exception {
        return StreamtuneConfig.parse("""
                tasks:
                  - name: shapes
                    modality: image
                    labels: [square, triangle, cross]
                    image: {size: 16, channels: 3}
                    cnn: {layers: %d, epochs: 6, batchSize: 16, learningRate: 0.005, seed: 3, device: cpu}
                """.formatted(layers), Map.of(), Map.of())
                .tasks()
                .get("shapes");
    }

    static List<Example> examples(int n, long seed) {
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int shape = i % 3;
            String b64 = Base64.getEncoder().encodeToString(GeneratedShapes.png(GeneratedShapes.draw(shape, r)));
            out.add(new Example(
                    "x-" + seed + "-" + i, "shapes", null, b64, GeneratedShapes.LABELS.get(shape), 0L, null));
        }
        return out;
    }

    static ModelArtifact artifact(TaskConfig task, Challenger c, long version) {
        return ModelArtifact.of(
                new ModelVersion(
                        ModelVersion.FORMAT_VERSION,
                        task.name(),
                        version,
                        null,
                        c.backbone().id(),
                        c.backbone().baseSha256(),
                        task.labels(),
                        null,
                        List.of(),
                        0L,
                        "test"),
                c.backbone(),
                c.head());
    }

    @Test
    void shouldTrainAnInlineCnnVersionThatClassifiesHeldOutImagesAndSeedsTheNextVersion() throws Exception {
        TaskConfig task = task(8);
        CnnLearner learner = new CnnLearner(backbones);
        Challenger v1 = learner.train(task, null, examples(240, 1));
        assertEquals(BackboneKind.IMAGE_CNN, v1.backbone().kind());
        assertEquals("resnet-v1-8", v1.backbone().id());
        assertEquals(WeightsRef.Format.CNN, v1.backbone().weights().format());
        assertTrue(v1.backbone().weights().isInline());
        assertEquals("cnn", v1.kind());

        ModelArtifact champion = artifact(task, v1, 1);
        // Through the record format and back, as the scorer receives it.
        champion = ModelArtifact.parse(champion.toBytes());
        List<Example> holdout = examples(150, 2);
        ModelMetrics m1 = learner.evaluate(task, champion, holdout);
        assertTrue(m1.accuracy() >= 0.85, "held-out accuracy of v1: " + m1.accuracy());

        // Continuous fine-tuning: v2 starts from exactly v1's backbone and head.
        CnnArchitectureCheck.sameStart(learner, task, champion, v1);

        Challenger v2 = learner.train(task, champion, examples(240, 3));
        ModelMetrics m2 = learner.evaluate(task, artifact(task, v2, 2), holdout);
        assertTrue(
                m2.accuracy() >= 0.95 && m2.accuracy() > m1.accuracy(),
                "v2, fine-tuned from v1 on a new window, improves on it: " + m1.accuracy() + " -> " + m2.accuracy());
        assertTrue(
                !v2.backbone().weights().sha256().equals(v1.backbone().weights().sha256()),
                "v2 trained its backbone further");
    }

    @Test
    void shouldStartFromScratchWhenTheChampionIsAnotherArchitecture() throws Exception {
        TaskConfig eight = task(8);
        CnnLearner learner = new CnnLearner(backbones);
        Challenger v1 = learner.train(eight, null, examples(30, 5));
        ModelArtifact champion = artifact(eight, v1, 1);
        TaskConfig fourteen = task(14);
        assertNull(
                learner.warmStart(
                        fourteen,
                        new CnnTrainer(
                                        fourteen.image().spec(),
                                        fourteen.cnn(),
                                        fourteen.head().classWeights())
                                .architecture(),
                        champion),
                "cnn.layers changed: no warm start");
    }

    @Test
    void shouldRefuseAPackOverTheInlineLimitWithoutAStoreNamingWhatToChange() throws Exception {
        TaskConfig task = task(8);
        CnnLearner learner = new CnnLearner(backbones, null, 1000);
        ArtifactException e = assertThrows(ArtifactException.class, () -> learner.train(task, null, examples(30, 6)));
        assertEquals(ArtifactException.Reason.MISSING_WEIGHTS, e.reason());
        assertTrue(
                e.getMessage().contains("over the 1000 that travel inline")
                        && e.getMessage().contains("cnn.layers")
                        && e.getMessage().contains("artifacts.dir"),
                e.getMessage());
    }

    @Test
    void shouldPutAPackOverTheInlineLimitInTheStoreAndContinueFromItThroughTheRecord(@TempDir Path dir)
            throws Exception {
        TaskConfig task = task(8);
        DirectoryArtifactStore store = new DirectoryArtifactStore(dir);
        try (Backbones reading = Backbones.create(
                (id, length) -> {
                    throw new IllegalStateException("an image task opens no text encoder");
                },
                store)) {
            CnnLearner learner = new CnnLearner(reading, store, 1000);
            Challenger v1 = learner.train(task, null, examples(30, 6));
            WeightsRef w = v1.backbone().weights();
            assertFalse(w.isInline(), "a pack of more than 1000 bytes goes to the store");
            assertEquals(WeightsRef.Format.CNN, w.format());
            byte[] stored = store.get(w.uri(), w.sha256());
            assertEquals(w.sizeBytes(), stored.length);

            // The record carries the reference only; the next version starts from the stored pack, bit for bit.
            ModelArtifact champion = ModelArtifact.parse(artifact(task, v1, 1).toBytes());
            assertFalse(champion.backbone().weights().isInline());
            CnnTrainer trainer =
                    new CnnTrainer(task.image().spec(), task.cnn(), task.head().classWeights());
            WarmStart warm = learner.warmStart(task, trainer.architecture(), champion);
            assertNotNull(warm, "a stored champion seeds the next version");
            assertArrayEquals(stored, warm.backbone().encode());
        }
    }

    /** v2's starting point is v1: the learner's warm start is the champion's pack and head, bit for bit. */
    private static final class CnnArchitectureCheck {
        static void sameStart(CnnLearner learner, TaskConfig task, ModelArtifact champion, Challenger v1)
                throws Exception {
            CnnTrainer trainer =
                    new CnnTrainer(task.image().spec(), task.cnn(), task.head().classWeights());
            WarmStart warm = learner.warmStart(task, trainer.architecture(), champion);
            assertNotNull(warm);
            TensorPack v1Pack = TensorPack.decode(v1.backbone().weights().inline());
            assertArrayEquals(v1Pack.encode(), warm.backbone().encode());
            WarmStart start = trainer.startingPoint(task.labels().size(), warm);
            assertArrayEquals(v1Pack.encode(), start.backbone().encode(), "the network v2 trains starts as v1");
            assertArrayEquals(
                    v1.head().layers().get(0).weight(),
                    start.head().layers().get(0).weight());
            assertArrayEquals(
                    v1.head().layers().get(0).bias(),
                    start.head().layers().get(0).bias());
        }
    }
}
