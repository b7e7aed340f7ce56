package io.streamtune.common.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.NativeAllocator;

/**
 * Serves a trained image backbone: rebuilds the ResNetV1 its pack names with DJL's model-zoo
 * builder, loads the weights, and computes feature vectors for a batch of preprocessed images in
 * one forward call (inference mode: BatchNorm uses the pack's running statistics).
 *
 * <p>Thread-safe: the weights are read-only native arrays in a long-lived manager (frozen, so no
 * autograd graph is recorded); each call creates its input and intermediate arrays in its own
 * sub-manager, closed before it returns. {@link #close()} releases the weights.
 *
 * <pre>{@code
 * try (CnnBackbone backbone = CnnBackbone.load(pack, expectedArchitecture, Device.cpu())) {
 *     float[][] features = backbone.features(images);   // images: [n][channels * size * size], normalised
 * }
 * }</pre>
 */
public final class CnnBackbone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CnnBackbone.class);

    /** Engine named explicitly: with ONNX Runtime and tokenizers present DJL would guess. */
    public static final String ENGINE = "PyTorch";

    private final CnnArchitecture architecture;
    private final String packSha256;
    private final NDManager manager;
    private final SequentialBlock block;
    private final int elements;
    private volatile boolean closed;

    private CnnBackbone(CnnArchitecture architecture, String packSha256, NDManager manager, SequentialBlock block) {
        this.architecture = architecture;
        this.packSha256 = packSha256;
        this.manager = manager;
        this.block = block;
        this.elements = architecture.input().elements();
    }

    /**
     * Loads a backbone for serving after checking it is the one the task expects.
     *
     * @param pack     weights and attributes, as training produced them
     * @param expected the task's architecture (depth and input)
     * @param device   where the forward passes run
     * @throws ArtifactException ENCODER_MISMATCH (another architecture or depth), SHAPE_MISMATCH
     *     (another input size, channel count or normalisation; a tensor of the wrong shape),
     *     MALFORMED (attributes or tensors missing)
     */
    public static CnnBackbone load(TensorPack pack, CnnArchitecture expected, Device device) throws ArtifactException {
        expected.requireSame(CnnArchitecture.of(pack));
        return load(pack, device);
    }

    /**
     * Loads a backbone as its pack describes it, without comparing to a task.
     *
     * @throws ArtifactException as {@link #load(TensorPack, CnnArchitecture, Device)}
     */
    public static CnnBackbone load(TensorPack pack, Device device) throws ArtifactException {
        CnnArchitecture architecture = CnnArchitecture.of(pack);
        NativeAllocator.warnOnceIfUntuned(LOG);
        NDManager manager = Engine.getEngine(ENGINE).newBaseManager(device);
        manager.setName("cnn-backbone-" + pack.sha256().substring(0, 12));
        try {
            SequentialBlock block = architecture.backbone();
            block.initialize(manager, DataType.FLOAT32, architecture.inputShape(1));
            CnnWeights.load(block, pack);
            block.freezeParameters(true);
            CnnBackbone b = new CnnBackbone(architecture, pack.sha256(), manager, block);
            LOG.debug(
                    "cnn backbone {}: loaded {} ({} values) on {}",
                    b.packSha256.substring(0, 12),
                    architecture,
                    pack.valueCount(),
                    device);
            return b;
        } catch (ArtifactException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public CnnArchitecture architecture() {
        return architecture;
    }

    /** Width of each feature vector. */
    public int featureDimension() {
        return architecture.featureDimension();
    }

    /** SHA-256 of the pack's canonical bytes: part of the key under which a backbone is shared. */
    public String packSha256() {
        return packSha256;
    }

    /**
     * Feature vectors for a batch, in one forward call.
     *
     * @param images {@code [n][channels * size * size]}, each normalised as {@link
     *     io.streamtune.common.image.ImageSpec#normalise} gives it
     * @return {@code [n][featureDimension()]}
     * @throws IllegalArgumentException when an image has the wrong number of values
     * @throws IllegalStateException after {@link #close()}
     */
    public float[][] features(float[][] images) {
        if (closed) {
            throw new IllegalStateException("cnn backbone " + packSha256.substring(0, 12) + " is closed");
        }
        int n = images.length;
        if (n == 0) {
            return new float[0][];
        }
        float[] flat = new float[n * elements];
        for (int i = 0; i < n; i++) {
            if (images[i].length != elements) {
                throw new IllegalArgumentException("image " + i + " has " + images[i].length + " values, the backbone"
                        + " takes " + elements + " (" + architecture.input() + ")");
            }
            System.arraycopy(images[i], 0, flat, i * elements, elements);
        }
        int d = featureDimension();
        float[] result;
        // Every array of the pass descends from x (the first operand of each op), so all of them
        // land in the call's sub-manager and are freed with it.
        try (NDManager call = manager.newSubManager()) {
            NDArray x = call.create(flat, architecture.inputShape(n));
            NDList out = block.forward(new ParameterStore(call, false), new NDList(x), false);
            result = out.singletonOrThrow().toFloatArray();
        }
        float[][] features = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(result, i * d, features[i], 0, d);
        }
        return features;
    }

    /** Native arrays held by this backbone's manager, sub-managers included: for leak checks. */
    public int liveNativeArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        manager.close();
    }
}
