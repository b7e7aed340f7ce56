package io.streamtune.common.runtime;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import io.streamtune.common.config.HeadKind;
import io.streamtune.common.event.Reason;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneKind;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.CnnBackbone;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.model.TestCnns;
import io.streamtune.common.model.WeightsRef;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Backbones} serving {@code image-cnn} versions: the pack in the record is the network, images
 * are decoded and resized as its attributes say, a bad image is rejected by index with its reason.
 */
class ImageBackbonesTest {
    private static final TensorPack PACK = TestCnns.randomPack(TestCnns.SMALL, 1);

    private static Backbones pool() {
        return Backbones.create(
                (id, length) -> {
                    throw new IllegalStateException("no text encoder here");
                },
                null);
    }

    private static BackboneRef ref(String id, TensorPack pack) {
        return new BackboneRef(
                BackboneKind.IMAGE_CNN, id, "", 0, WeightsRef.inline(WeightsRef.Format.CNN, pack.encode()));
    }

    /** A 20 x 20 colour PNG (the backbone takes 16 x 16 grey: converted and resized on the way). */
    private static byte[] png(Color background, Color bar) throws IOException {
        BufferedImage im = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = im.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, 20, 20);
        g.setColor(bar);
        g.fillRect(3, 8, 14, 4);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(im, "png", out);
        return out.toByteArray();
    }

    @Test
    void shouldServeTheVersionsPackOnImagesAsTheBackboneItselfComputesThem() throws Exception {
        byte[] a = png(Color.DARK_GRAY, Color.ORANGE);
        byte[] b = png(Color.WHITE, Color.BLUE);
        ImagePreprocessor pre = new ImagePreprocessor(TestCnns.SMALL.input(), ImagePreprocessor.DEFAULT_MAX_PIXELS);
        float[][] expected;
        try (CnnBackbone direct = CnnBackbone.load(PACK, ai.djl.Device.cpu())) {
            expected = direct.features(new float[][] {pre.tensor(a), pre.tensor(b)});
        }
        try (Backbones pool = pool()) {
            try (Backbones.Lease lease = pool.acquire(ref("resnet-v1-8", PACK))) {
                assertEquals(64, lease.backbone().dimension());
                float[][] served = lease.backbone().features(List.of(new ModelInput.Image(a), new ModelInput.Image(b)));
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(expected[i], served[i], 1e-5f);
                }
                assertEquals(1, pool.openKeys().size());
            }
            assertEquals(List.of(), pool.openKeys(), "a version's own CNN is closed with its last lease");
        }
    }

    @Test
    void shouldRejectAnUndecodableImageByIndexAsImageUndecodableAndATextAsScoringFailed() throws Exception {
        try (Backbones pool = pool();
                Backbones.Lease lease = pool.acquire(ref("resnet-v1-8", PACK))) {
            InputRejectedException bad = assertThrows(
                    InputRejectedException.class,
                    () -> lease.backbone()
                            .features(List.of(
                                    new ModelInput.Image(png(Color.BLACK, Color.WHITE)),
                                    new ModelInput.Image("not a picture".getBytes(StandardCharsets.UTF_8)))));
            assertEquals(1, bad.index());
            assertEquals(Reason.IMAGE_UNDECODABLE, bad.reason());
            assertTrue(bad.getMessage().contains("not a PNG, JPEG, GIF or BMP"), bad.getMessage());

            InputRejectedException text = assertThrows(
                    InputRejectedException.class,
                    () -> lease.backbone().features(List.of(new ModelInput.Text("a text"))));
            assertEquals(0, text.index());
            assertEquals(Reason.SCORING_FAILED, text.reason());
        }
    }

    @Test
    void shouldRefuseAVersionWhoseIdDoesNotNameItsPacksArchitecture() {
        try (Backbones pool = pool()) {
            ArtifactException e = assertThrows(ArtifactException.class, () -> pool.acquire(ref("resnet-v1-14", PACK)));
            assertEquals(ArtifactException.Reason.ENCODER_MISMATCH, e.reason());
            assertTrue(
                    e.getMessage().contains("resnet-v1-14") && e.getMessage().contains("resnet-v1-8"), e.getMessage());
            assertEquals(List.of(), pool.openKeys());
        }
    }

    @Test
    void shouldOpenAnImageVersionThroughClassifierAndClassifyABatch() throws Exception {
        float[] w = new float[64 * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i);
        }
        HeadWeights head = new HeadWeights(HeadKind.LINEAR, List.of(new HeadWeights.Layer(64, 2, w, new float[2])));
        BackboneRef backbone = ref("resnet-v1-8", PACK);
        ModelArtifact artifact = ModelArtifact.parse(ModelArtifact.of(
                        new ModelVersion(
                                ModelVersion.FORMAT_VERSION,
                                "bars",
                                1,
                                null,
                                backbone.id(),
                                "",
                                List.of("h", "v"),
                                null,
                                List.of(),
                                0L,
                                ""),
                        backbone,
                        head)
                .toBytes());
        try (Backbones pool = pool();
                Classifier c = Classifier.open(artifact, pool, 0)) {
            List<Classification> out = c.classify(List.of(
                    new ModelInput.Image(png(Color.BLACK, Color.WHITE)),
                    new ModelInput.Image(png(Color.WHITE, Color.BLACK))));
            assertEquals(2, out.size());
            for (Classification r : out) {
                assertEquals(
                        1.0,
                        r.scores().values().stream()
                                .mapToDouble(Double::doubleValue)
                                .sum(),
                        1e-5);
            }
        }
    }
}
