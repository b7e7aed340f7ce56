package io.streamtune.common.model;

import java.util.List;
import java.util.Map;
import java.util.Random;

import io.streamtune.common.config.HeadKind;

/** Builders of small artifacts for tests. */
public final class TestModels {
    private TestModels() {}

    /** A head with seeded random weights; {@code kind} is {@code "linear"} or {@code "mlp"}. */
    public static HeadWeights randomHead(String kind, int in, int hidden, int out, long seed) {
        Random r = new Random(seed);
        if ("linear".equals(kind)) {
            return new HeadWeights(HeadKind.LINEAR, List.of(layer(in, out, r)));
        }
        return new HeadWeights(HeadKind.MLP, List.of(layer(in, hidden, r), layer(hidden, out, r)));
    }

    public static HeadWeights.Layer layer(int in, int out, Random r) {
        float[] w = new float[in * out];
        float[] b = new float[out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.3f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian() * 0.1f;
        }
        return new HeadWeights.Layer(in, out, w, b);
    }

    public static ModelVersion meta(String task, long version, List<String> labels, String encoderId, String checksum) {
        return new ModelVersion(
                ModelVersion.FORMAT_VERSION,
                task,
                version,
                version > 1 ? version - 1 : null,
                encoderId,
                checksum,
                labels,
                new ModelMetrics(0.91, 0.9, 872, Map.of(labels.get(0), 0.9, labels.get(1), 0.9)),
                List.of(new WindowRange("reviews.examples", 0, 0, 4999, 5000)),
                1_700_000_000_000L,
                "test model");
    }

    /** {@code n} rows of {@code d} standard normal values, seeded. */
    public static float[][] randomEmbeddings(int n, int d, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int k = 0; k < d; k++) {
                row[k] = (float) r.nextGaussian();
            }
        }
        return x;
    }

    /** The head's softmax probabilities for one input, computed in plain Java (the reference forward pass). */
    public static double[] forward(HeadWeights h, float[] x) {
        double[] v = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            v[i] = x[i];
        }
        for (int li = 0; li < h.layers().size(); li++) {
            HeadWeights.Layer l = h.layers().get(li);
            double[] o = new double[l.out()];
            for (int j = 0; j < l.out(); j++) {
                double s = l.bias()[j];
                for (int i = 0; i < l.in(); i++) {
                    s += v[i] * l.weight()[i * l.out() + j];
                }
                o[j] = li < h.layers().size() - 1 ? Math.max(0, s) : s;
            }
            v = o;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            max = Math.max(max, d);
        }
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= sum;
        }
        return v;
    }
}
