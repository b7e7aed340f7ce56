package io.streamtune.common.model;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;

/**
 * Moves CNN weights between DJL blocks and the portable forms: a backbone's parameters (BatchNorm
 * running mean and variance included) to and from a {@link TensorPack}, the final {@code Linear}
 * to and from {@link HeadWeights}. Tensor names are DJL's parameter paths inside the backbone
 * block (e.g. {@code 02ParallelBlock_01SequentialBlock_02BatchNorm_runningMean}), which the
 * model-zoo builder makes the same on every build of the same architecture.
 *
 * <pre>{@code
 * TensorPack pack = CnnWeights.toPack(backbone, arch);   // after training
 * CnnWeights.load(freshBackbone, pack);                  // freshBackbone initialised for arch.inputShape(1)
 * }</pre>
 */
public final class CnnWeights {

    private CnnWeights() {}

    /**
     * Copies an initialised backbone's parameters into a pack with the architecture's attributes.
     * Values are copied to the JVM (from the GPU when the block lives there).
     */
    public static TensorPack toPack(Block backbone, CnnArchitecture architecture) {
        TensorPack.Builder b = TensorPack.builder();
        architecture.attributes().forEach(b::attribute);
        for (Pair<String, Parameter> p : backbone.getParameters()) {
            NDArray a = p.getValue().getArray();
            b.tensor(
                    p.getKey(),
                    Arrays.stream(a.getShape().getShape())
                            .mapToInt(Math::toIntExact)
                            .toArray(),
                    a.toFloatArray());
        }
        return b.build();
    }

    /**
     * Overwrites an initialised backbone's parameters with a pack's tensors, in place (gradients
     * and optimiser attachments stay valid).
     *
     * @throws ArtifactException MALFORMED when names differ (a tensor missing or extra),
     *     SHAPE_MISMATCH when a tensor's shape differs from the parameter's
     */
    public static void load(Block backbone, TensorPack pack) throws ArtifactException {
        Map<String, TensorPack.Tensor> tensors = pack.tensors();
        TreeSet<String> expected = new TreeSet<>(backbone.getParameters().keys());
        if (!expected.equals(tensors.keySet())) {
            TreeSet<String> missing = new TreeSet<>(expected);
            missing.removeAll(tensors.keySet());
            TreeSet<String> extra = new TreeSet<>(tensors.keySet());
            extra.removeAll(expected);
            throw new ArtifactException(
                    ArtifactException.Reason.MALFORMED,
                    "backbone pack does not fit the block: " + "missing " + first(missing) + ", unexpected "
                            + first(extra));
        }
        for (Pair<String, Parameter> p : backbone.getParameters()) {
            set(p.getKey(), p.getValue().getArray(), tensors.get(p.getKey()));
        }
    }

    /** DJL stores a Linear's weight as {@code [out, in]}; HeadWeights wants {@code [in][out]}: transposed here. */
    public static HeadWeights headOf(Linear linear) {
        NDArray w = linear.getParameters().get("weight").getArray();
        int out = Math.toIntExact(w.getShape().get(0));
        int in = Math.toIntExact(w.getShape().get(1));
        float[] src = w.toFloatArray();
        float[] t = new float[in * out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                t[i * out + o] = src[o * in + i];
            }
        }
        float[] bias = linear.getParameters().get("bias").getArray().toFloatArray();
        return new HeadWeights(
                io.streamtune.common.config.HeadKind.LINEAR,
                java.util.List.of(new HeadWeights.Layer(in, out, t, bias)));
    }

    /**
     * Overwrites an initialised Linear with a one-layer head, in place.
     *
     * @throws ArtifactException SHAPE_MISMATCH when the head is not one layer of the Linear's shape
     */
    public static void setHead(Linear linear, HeadWeights head) throws ArtifactException {
        NDArray w = linear.getParameters().get("weight").getArray();
        int out = Math.toIntExact(w.getShape().get(0));
        int in = Math.toIntExact(w.getShape().get(1));
        if (head.layers().size() != 1 || head.inputDimension() != in || head.outputDimension() != out) {
            throw new ArtifactException(
                    ArtifactException.Reason.SHAPE_MISMATCH,
                    "head of " + head.layers().size()
                            + " layer(s), " + head.inputDimension() + " -> " + head.outputDimension()
                            + ", does not fit a linear head " + in + " -> " + out);
        }
        HeadWeights.Layer l = head.layers().get(0);
        float[] t = new float[in * out];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                t[o * in + i] = l.weight()[i * out + o];
            }
        }
        w.set(FloatBuffer.wrap(t));
        linear.getParameters().get("bias").getArray().set(FloatBuffer.wrap(l.bias()));
    }

    private static void set(String name, NDArray target, TensorPack.Tensor tensor) throws ArtifactException {
        long[] shape = target.getShape().getShape();
        int[] given = tensor.shape();
        boolean same = shape.length == given.length;
        for (int i = 0; same && i < shape.length; i++) {
            same = shape[i] == given[i];
        }
        if (!same) {
            throw new ArtifactException(
                    ArtifactException.Reason.SHAPE_MISMATCH,
                    "tensor " + name + " has shape " + Arrays.toString(given) + ", the block's parameter "
                            + Arrays.toString(shape));
        }
        target.set(FloatBuffer.wrap(tensor.values()));
    }

    private static String first(TreeSet<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        return names.size() == 1 ? names.first() : names.first() + " and " + (names.size() - 1) + " more";
    }
}
