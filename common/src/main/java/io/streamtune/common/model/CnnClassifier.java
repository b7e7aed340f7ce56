package io.streamtune.common.model;

import ai.djl.Device;

/**
 * An image model as it serves: {@link CnnBackbone} features, then the linear head
 * ({@code logits = features W + b}, softmax). The head is a {@code [featureDimension x labels]}
 * product, computed in Java; only the backbone runs on PyTorch. Thread-safe as the backbone is.
 *
 * <pre>{@code
 * try (CnnClassifier model = CnnClassifier.load(pack, head, arch, Device.cpu())) {
 *     float[][] p = model.probabilities(images);       // [n][labels]
 * }
 * }</pre>
 */
public final class CnnClassifier implements AutoCloseable {

    private final CnnBackbone backbone;
    private final HeadWeights head;

    private CnnClassifier(CnnBackbone backbone, HeadWeights head) {
        this.backbone = backbone;
        this.head = head;
    }

    /**
     * Loads backbone and head after checking they fit the architecture and each other.
     *
     * @throws ArtifactException as {@link CnnBackbone#load(TensorPack, CnnArchitecture, Device)}, or
     *     SHAPE_MISMATCH when the head is not one linear layer over the backbone's features
     */
    public static CnnClassifier load(TensorPack backbone, HeadWeights head, CnnArchitecture expected, Device device)
            throws ArtifactException {
        if (head.layers().size() != 1 || head.inputDimension() != expected.featureDimension()) {
            throw new ArtifactException(
                    ArtifactException.Reason.SHAPE_MISMATCH,
                    "head of " + head.layers().size()
                            + " layer(s) taking " + head.inputDimension() + " features does not fit " + expected
                            + ", which gives " + expected.featureDimension());
        }
        return new CnnClassifier(CnnBackbone.load(backbone, expected, device), head);
    }

    public CnnBackbone backbone() {
        return backbone;
    }

    public HeadWeights head() {
        return head;
    }

    /** Logits {@code [n][labels]} for normalised images {@code [n][channels * size * size]}, one forward call. */
    public float[][] logits(float[][] images) {
        return logitsOf(head, backbone.features(images));
    }

    /** Softmax probabilities {@code [n][labels]}. */
    public float[][] probabilities(float[][] images) {
        float[][] z = logits(images);
        for (float[] row : z) {
            float max = Float.NEGATIVE_INFINITY;
            for (float v : row) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) Math.exp(row[j] - max);
                sum += row[j];
            }
            for (int j = 0; j < row.length; j++) {
                row[j] /= (float) sum;
            }
        }
        return z;
    }

    /** Index of the most probable label per image. */
    public int[] predict(float[][] images) {
        float[][] z = logits(images);
        int[] out = new int[z.length];
        for (int i = 0; i < z.length; i++) {
            int best = 0;
            for (int j = 1; j < z[i].length; j++) {
                if (z[i][j] > z[i][best]) {
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }

    /** {@code features W + b} for a one-layer head, {@code [n][labels]}. */
    public static float[][] logitsOf(HeadWeights head, float[][] features) {
        HeadWeights.Layer l = head.layers().get(0);
        int in = l.in();
        int out = l.out();
        float[][] z = new float[features.length][out];
        for (int n = 0; n < features.length; n++) {
            float[] f = features[n];
            float[] row = z[n];
            System.arraycopy(l.bias(), 0, row, 0, out);
            for (int i = 0; i < in; i++) {
                float v = f[i];
                int base = i * out;
                for (int j = 0; j < out; j++) {
                    row[j] += v * l.weight()[base + j];
                }
            }
        }
        return z;
    }

    @Override
    public void close() {
        backbone.close();
    }
}
