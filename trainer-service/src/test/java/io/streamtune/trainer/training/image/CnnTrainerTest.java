package io.streamtune.trainer.training.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.streamtune.common.config.ClassWeighting;
import io.streamtune.common.config.CnnPolicy;
import io.streamtune.common.config.Device;
import io.streamtune.common.image.ImageSpec;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.CnnArchitecture;
import io.streamtune.common.model.CnnClassifier;
import io.streamtune.common.model.CnnParametersFile;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.TensorPack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real training on generated pictures (three shapes, random sizes, positions and colours, written
 * as PNG and decoded as records are), with the smallest ResNetV1 (8 layers) on 16 x 16 RGB.
 */
class CnnTrainerTest {
    private static final ImageSpec SPEC = ImageSpec.of(16, 3);
    private static final CnnArchitecture ARCH = new CnnArchitecture(8, SPEC);

    private static LabelledImages train;
    private static LabelledImages test;
    private static CnnTrainingResult v1;

    private static CnnPolicy policy(int epochs, double learningRate, boolean freeze, Path pretrained) {
        return new CnnPolicy(8, epochs, 32, learningRate, freeze, pretrained, 42, Device.CPU);
    }

    private static CnnTrainer trainer(CnnPolicy policy) {
        return new CnnTrainer(SPEC, policy, ClassWeighting.BALANCED);
    }

    private static double accuracy(TensorPack backbone, HeadWeights head, LabelledImages set) throws ArtifactException {
        try (CnnClassifier c = CnnClassifier.load(backbone, head, ARCH, ai.djl.Device.cpu())) {
            int[] predicted = c.predict(set.tensors(0, set.size()));
            int[] truth = set.labels();
            int correct = 0;
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == truth[i] ? 1 : 0;
            }
            return (double) correct / predicted.length;
        }
    }

    @BeforeAll
    static void trainVersionOne() throws Exception {
        train = ShapeImages.make(SPEC, 600, 1);
        test = ShapeImages.make(SPEC, 300, 2);
        v1 = trainer(policy(6, 0.005, false, null)).train(train, 3, null, null);
    }

    @Test
    void shouldLearnGeneratedShapesToHeldOutAccuracyOfAtLeast095() throws Exception {
        assertEquals(CnnTrainer.Start.SCRATCH, v1.start());
        assertEquals(6 * 19, v1.steps(), "600 images in batches of 32: 18 full and one of 24, six epochs");
        double accuracy = accuracy(v1.backbone(), v1.head(), test);
        assertTrue(accuracy >= 0.95, "held-out accuracy " + accuracy);
        assertEquals(ai.djl.Device.cpu(), v1.device());
        assertTrue(v1.imagesPerSecond() > 0 && v1.trainSeconds() > 0);
    }

    @Test
    void shouldStartVersionTwoFromVersionOnesWeightsAndImproveOnThem() throws Exception {
        CnnTrainer weak = trainer(policy(1, 0.005, false, null));
        CnnTrainingResult first = weak.train(train.slice(0, 90), 3, null, null);
        WarmStart start = weak.startingPoint(3, first.asWarmStart());
        assertEquals(first.backbone().sha256(), start.backbone().sha256(), "the backbone starts as version 1's");
        assertArrayEquals(
                first.head().layers().get(0).weight(),
                start.head().layers().get(0).weight());
        assertArrayEquals(
                first.head().layers().get(0).bias(),
                start.head().layers().get(0).bias());
        assertNotEquals(
                first.backbone().sha256(),
                weak.startingPoint(3, null).backbone().sha256(),
                "without a champion the start differs (the check above can fail)");

        // Trained with a vanishing learning rate, the weights stay where version 1 left them:
        // train() itself starts from the champion, not only startingPoint().
        CnnTrainingResult still =
                trainer(policy(1, 1e-7, false, null)).train(train.slice(90, 180), 3, first.asWarmStart(), null);
        assertEquals(CnnTrainer.Start.CHAMPION, still.start());
        String conv = "01Conv2d_weight";
        assertArrayEquals(
                first.backbone().tensor(conv).values(),
                still.backbone().tensor(conv).values(),
                1e-4f);

        CnnTrainingResult second =
                trainer(policy(4, 0.005, false, null)).train(train.slice(90, 600), 3, first.asWarmStart(), null);
        double before = accuracy(first.backbone(), first.head(), test);
        double after = accuracy(second.backbone(), second.head(), test);
        assertTrue(after >= before + 0.1 && after >= 0.9, "version 1 " + before + ", version 2 " + after);
    }

    @Test
    void shouldServeTheSameLogitsAsTheTrainingNetworkWithTheSamePack() throws Exception {
        float[][] images = test.tensors(0, 32);
        float[][] trained = trainer(policy(1, 0.005, false, null)).trainingNetworkLogits(v1.asWarmStart(), images);
        float[][] served;
        try (CnnClassifier c = CnnClassifier.load(v1.backbone(), v1.head(), ARCH, ai.djl.Device.cpu())) {
            served = c.logits(images);
        }
        for (int i = 0; i < images.length; i++) {
            assertArrayEquals(trained[i], served[i], 1e-4f, "image " + i);
        }
    }

    @Test
    void shouldKeepNativeArraysConstantOverTrainingSteps() throws Exception {
        List<Integer> live = new ArrayList<>();
        trainer(policy(2, 0.005, false, null))
                .train(train.slice(0, 200), 3, v1.asWarmStart(), r -> live.add(r.nativeArrays()));
        assertEquals(2 * 7, live.size(), "200 images in batches of 32: 6 full and one of 8, two epochs");
        // Adam's state appears at the first step; from then on nothing may accumulate.
        assertEquals(
                List.of(live.get(1)),
                live.subList(1, live.size()).stream().distinct().toList(),
                live.toString());
    }

    @Test
    void shouldTrainTheSameWeightsTwiceForOneSeedOnCpu() throws Exception {
        CnnTrainer t = trainer(policy(1, 0.005, false, null));
        CnnTrainingResult a = t.train(train.slice(0, 96), 3, null, null);
        CnnTrainingResult b = t.train(train.slice(0, 96), 3, null, null);
        assertEquals(a.backbone().sha256(), b.backbone().sha256());
        assertArrayEquals(
                a.head().layers().get(0).weight(), b.head().layers().get(0).weight());
        CnnTrainingResult other = new CnnTrainer(
                        SPEC, new CnnPolicy(8, 1, 32, 0.005, false, null, 7, Device.CPU), ClassWeighting.BALANCED)
                .train(train.slice(0, 96), 3, null, null);
        assertNotEquals(a.backbone().sha256(), other.backbone().sha256(), "another seed, other weights");
    }

    @Test
    void shouldTrainOnlyTheHeadOnAFrozenBackbone() throws Exception {
        CnnTrainingResult v2 =
                trainer(policy(3, 0.01, true, null)).train(train.slice(300, 600), 3, v1.asWarmStart(), null);
        assertTrue(v2.backboneFrozen());
        assertEquals(v1.backbone().sha256(), v2.backbone().sha256(), "the backbone, BatchNorm statistics included");
        assertFalse(java.util.Arrays.equals(
                v1.head().layers().get(0).weight(), v2.head().layers().get(0).weight()));
        assertTrue(accuracy(v2.backbone(), v2.head(), test) >= 0.9);
    }

    @Test
    void shouldStartFromAPretrainedDjlParametersFileItSavedItself(@TempDir Path dir) throws Exception {
        Path file = CnnParametersFile.save(v1.backbone(), v1.head(), dir, "shapes");
        CnnTrainer fromFile = trainer(policy(3, 0.01, true, file));
        WarmStart start = fromFile.startingPoint(3, null);
        assertEquals(v1.backbone().sha256(), start.backbone().sha256(), "the file's backbone, exactly");

        // As a frozen feature extractor for a first version: only a new head is trained.
        CnnTrainingResult first = fromFile.train(train.slice(0, 300), 3, null, null);
        assertEquals(CnnTrainer.Start.PRETRAINED, first.start());
        assertTrue(first.backboneFrozen());
        assertEquals(v1.backbone().sha256(), first.backbone().sha256());
        assertTrue(accuracy(first.backbone(), first.head(), test) >= 0.9);

        // As the starting point of a whole-network training.
        CnnTrainingResult tuned = trainer(policy(1, 0.002, false, file)).train(train.slice(0, 300), 3, null, null);
        assertEquals(CnnTrainer.Start.PRETRAINED, tuned.start());
        assertNotEquals(v1.backbone().sha256(), tuned.backbone().sha256());
    }

    @Test
    void shouldRefuseAChampionOfAnotherArchitectureOrLabelCount() throws Exception {
        CnnTrainer deeper = new CnnTrainer(
                SPEC, new CnnPolicy(14, 1, 32, 0.005, false, null, 42, Device.CPU), ClassWeighting.BALANCED);
        ArtifactException depth = assertThrows(
                ArtifactException.class, () -> deeper.train(train.slice(0, 64), 3, v1.asWarmStart(), null));
        assertEquals(ArtifactException.Reason.ENCODER_MISMATCH, depth.reason());
        ArtifactException labels = assertThrows(
                ArtifactException.class,
                () -> trainer(policy(1, 0.005, false, null)).train(train.slice(0, 64), 4, v1.asWarmStart(), null));
        assertEquals(ArtifactException.Reason.SHAPE_MISMATCH, labels.reason());
        assertTrue(
                labels.getMessage().contains("64 -> 3") && labels.getMessage().contains("64 -> 4"),
                labels.getMessage());
    }
}
