package io.streamtune.common.model;

import java.util.List;

import io.streamtune.common.config.HeadKind;

/**
 * Weights of a classification head on top of a frozen encoder.
 *
 * <p>{@code linear}: one layer, logits = x W + b. {@code mlp}: layers with ReLU between them.
 * Weights are row-major {@code [in][out]}, so {@code weight[i * out + j]} connects input i to
 * output j.
 *
 * <pre>{@code
 * HeadWeights h = new HeadWeights(HeadKind.LINEAR,
 *     List.of(new HeadWeights.Layer(384, 3, new float[384 * 3], new float[3])));
 * h.inputDimension(); // 384
 * }</pre>
 *
 * @param kind linear (one layer) or mlp (layers with ReLU between them)
 * @param layers layers in order of application, at least one
 */
public record HeadWeights(HeadKind kind, List<Layer> layers) {

    public HeadWeights {
        if (kind == null) {
            throw new IllegalArgumentException("head kind must be linear or mlp");
        }
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a head needs at least one layer");
        }
        layers = List.copyOf(layers);
        for (int i = 1; i < layers.size(); i++) {
            if (layers.get(i).in() != layers.get(i - 1).out()) {
                throw new IllegalArgumentException(
                        "layer " + i + " takes " + layers.get(i).in() + " inputs but layer " + (i - 1) + " gives "
                                + layers.get(i - 1).out());
            }
        }
    }

    /** Input width (the encoder dimension it was trained on). */
    public int inputDimension() {
        return layers.get(0).in();
    }

    /** Output width (the number of labels). */
    public int outputDimension() {
        return layers.get(layers.size() - 1).out();
    }

    /** Number of trainable values. */
    public long parameterCount() {
        long n = 0;
        for (Layer l : layers) {
            n += l.weight().length + l.bias().length;
        }
        return n;
    }

    /**
     * One dense layer.
     *
     * @param in input width
     * @param out output width
     * @param weight row-major {@code [in][out]}, length in * out
     * @param bias length out
     */
    public record Layer(int in, int out, float[] weight, float[] bias) {
        public Layer {
            if (in < 1 || out < 1) {
                throw new IllegalArgumentException("layer shape must be positive, got " + in + "x" + out);
            }
            if (weight == null || weight.length != in * out) {
                throw new IllegalArgumentException("weight must hold " + in + "x" + out + " values, got "
                        + (weight == null ? "null" : weight.length));
            }
            if (bias == null || bias.length != out) {
                throw new IllegalArgumentException(
                        "bias must hold " + out + " values, got " + (bias == null ? "null" : bias.length));
            }
        }
    }
}
