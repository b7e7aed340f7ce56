package io.streamtune.common.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

import io.streamtune.common.image.ImageSpec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CnnBackboneTest {

    private static final TensorPack PACK = TestCnns.randomPack(TestCnns.SMALL, 1);

    @Test
    void shouldDescribeItsArchitectureInThePack() throws ArtifactException {
        assertEquals("resnet-v1", PACK.attribute("architecture"));
        assertEquals("8", PACK.attribute("resnet.layers"));
        assertEquals("1", PACK.attribute("input.channels"));
        assertEquals("16", PACK.attribute("input.size"));
        assertEquals(TestCnns.SMALL, CnnArchitecture.of(PACK));
        assertTrue(
                PACK.tensors().keySet().stream().anyMatch(n -> n.endsWith("BatchNorm_runningMean")),
                "BatchNorm running statistics travel in the pack");
        assertTrue(PACK.tensors().keySet().stream().noneMatch(n -> n.contains("Linear")), "the head is not in it");
    }

    @Test
    void shouldComputeTheSameFeaturesAsTheBlocksOwnInferenceForward() throws ArtifactException {
        float[][] images = TestCnns.images(TestCnns.SMALL.input(), 5, 2);
        float[][] served;
        try (CnnBackbone backbone = CnnBackbone.load(PACK, TestCnns.SMALL, Device.cpu())) {
            served = backbone.features(images);
        }
        assertEquals(5, served.length);
        assertEquals(64, served[0].length);
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager(Device.cpu())) {
            SequentialBlock block = TestCnns.SMALL.backbone();
            block.initialize(m, DataType.FLOAT32, TestCnns.SMALL.inputShape(1));
            CnnWeights.load(block, PACK);
            for (int i = 0; i < images.length; i++) {
                NDList x = new NDList(m.create(images[i], TestCnns.SMALL.inputShape(1)));
                float[] one = block.forward(new ParameterStore(m, false), x, false)
                        .singletonOrThrow()
                        .toFloatArray();
                assertArrayEquals(one, served[i], 1e-4f, "image " + i + " alone and in a batch of 5");
            }
        }
    }

    @Test
    void shouldRefuseAPackForAnotherDepthNamingBoth() {
        CnnArchitecture deeper = new CnnArchitecture(14, TestCnns.SMALL.input());
        ArtifactException e = assertThrows(ArtifactException.class, () -> CnnBackbone.load(PACK, deeper, Device.cpu()));
        assertEquals(ArtifactException.Reason.ENCODER_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("8-layer") && e.getMessage().contains("expects 14 layers"), e.getMessage());
    }

    @Test
    void shouldRefuseAPackForAnotherInputShapeNamingBoth() {
        CnnArchitecture colour = new CnnArchitecture(8, ImageSpec.of(16, 3));
        ArtifactException e = assertThrows(ArtifactException.class, () -> CnnBackbone.load(PACK, colour, Device.cpu()));
        assertEquals(ArtifactException.Reason.SHAPE_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("images of 1x16x16, the task gives 3x16x16"), e.getMessage());
        CnnArchitecture otherMean =
                new CnnArchitecture(8, new ImageSpec(16, 1, new float[] {0.3f}, new float[] {0.5f}));
        ArtifactException mean =
                assertThrows(ArtifactException.class, () -> CnnBackbone.load(PACK, otherMean, Device.cpu()));
        assertEquals(ArtifactException.Reason.SHAPE_MISMATCH, mean.reason());
        assertTrue(mean.getMessage().contains("mean 0.5") && mean.getMessage().contains("mean 0.3"), mean.getMessage());
    }

    @Test
    void shouldRefuseATensorOfTheWrongShapeNamingIt() {
        TensorPack.Builder b = TensorPack.builder();
        PACK.attributes().forEach(b::attribute);
        PACK.tensors().forEach(b::tensor);
        b.tensor("01Conv2d_weight", new int[] {16, 3, 3, 3}, new float[16 * 27]);
        ArtifactException e = assertThrows(ArtifactException.class, () -> CnnBackbone.load(b.build(), Device.cpu()));
        assertEquals(ArtifactException.Reason.SHAPE_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("01Conv2d_weight"), e.getMessage());
        TensorPack.Builder missing = TensorPack.builder();
        PACK.attributes().forEach(missing::attribute);
        PACK.tensors().forEach((name, t) -> {
            if (!name.equals("01Conv2d_weight")) {
                missing.tensor(name, t);
            }
        });
        ArtifactException m =
                assertThrows(ArtifactException.class, () -> CnnBackbone.load(missing.build(), Device.cpu()));
        assertEquals(ArtifactException.Reason.MALFORMED, m.reason());
        assertTrue(m.getMessage().contains("missing 01Conv2d_weight"), m.getMessage());
    }

    @Test
    void shouldServeConcurrentCallersTheSameFeaturesWithoutKeepingArrays() throws Exception {
        float[][] images = TestCnns.images(TestCnns.SMALL.input(), 8, 3);
        try (CnnBackbone backbone = CnnBackbone.load(PACK, Device.cpu())) {
            int weights = backbone.liveNativeArrays();
            assertEquals(PACK.tensors().size(), weights, "only the weights stay");
            float[][] expected = backbone.features(images);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[][]>> results = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    results.add(pool.submit(() -> backbone.features(images)));
                }
                for (Future<float[][]> f : results) {
                    float[][] got = f.get();
                    for (int i = 0; i < expected.length; i++) {
                        assertArrayEquals(expected[i], got[i], 1e-5f);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(weights, backbone.liveNativeArrays());
        }
    }

    @Test
    void shouldRefuseAnImageOfTheWrongLength() throws ArtifactException {
        try (CnnBackbone backbone = CnnBackbone.load(PACK, Device.cpu())) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> backbone.features(new float[][] {new float[10]}));
            assertTrue(e.getMessage().contains("takes 256"), e.getMessage());
        }
    }
}
