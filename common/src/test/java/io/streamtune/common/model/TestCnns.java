package io.streamtune.common.model;

import java.nio.FloatBuffer;
import java.util.Random;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;

import io.streamtune.common.image.ImageSpec;

/** Small CNN backbones with seeded random weights, for tests that need a pack but no training. */
public final class TestCnns {
    /** 8 layers, 1 x 16 x 16: the cheapest ResNetV1 the builder makes. */
    public static final CnnArchitecture SMALL = new CnnArchitecture(8, ImageSpec.of(16, 1));

    private TestCnns() {}

    /** A pack of {@code arch} with every tensor random (running variances positive). */
    public static TensorPack randomPack(CnnArchitecture arch, long seed) {
        Random r = new Random(seed);
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager(Device.cpu())) {
            SequentialBlock block = arch.backbone();
            block.initialize(m, DataType.FLOAT32, arch.inputShape(1));
            for (Pair<String, Parameter> p : block.getParameters()) {
                NDArray a = p.getValue().getArray();
                float[] v = new float[Math.toIntExact(a.size())];
                for (int i = 0; i < v.length; i++) {
                    v[i] = p.getValue().getType() == Parameter.Type.RUNNING_VAR
                            ? 0.5f + r.nextFloat()
                            : (float) r.nextGaussian() * 0.3f;
                }
                a.set(FloatBuffer.wrap(v));
            }
            return CnnWeights.toPack(block, arch);
        }
    }

    /** Normalised random images for {@code spec}. */
    public static float[][] images(ImageSpec spec, int n, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][spec.elements()];
        for (float[] image : x) {
            for (int i = 0; i < image.length; i++) {
                image[i] = (float) r.nextGaussian();
            }
        }
        return x;
    }
}
