package io.streamtune.trainer.training;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.streamtune.common.config.ClassWeighting;
import io.streamtune.common.config.Device;
import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.HeadPolicy;
import io.streamtune.common.model.HeadWeights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeadTrainerTest {

    /**
     * Three classes, each a unit-norm Gaussian blob around its own random direction in 64
     * dimensions, plus a class-dependent XOR-like twist for the MLP to be useful; linearly
     * separable with a margin.
     */
    static Data blobs(int n, int dim, int k, long seed, double noise) {
        Random r = new Random(seed);
        Random centres = new Random(1234);
        float[][] c = new float[k][dim];
        for (float[] row : c) {
            for (int d = 0; d < dim; d++) {
                row[d] = (float) centres.nextGaussian();
            }
        }
        float[][] x = new float[n][dim];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            // Imbalanced on purpose: class 0 is 3x more frequent, exercising class weights.
            int label = r.nextInt(k + 2);
            label = label >= k ? 0 : label;
            y[i] = label;
            for (int d = 0; d < dim; d++) {
                x[i][d] = (float) (c[label][d] + noise * r.nextGaussian());
            }
        }
        return new Data(x, y);
    }

    record Data(float[][] x, int[] y) {}

    static int[] predict(HeadWeights h, float[][] x) {
        int[] out = new int[x.length];
        for (int n = 0; n < x.length; n++) {
            double[] v = new double[x[n].length];
            for (int i = 0; i < v.length; i++) {
                v[i] = x[n][i];
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
            int best = 0;
            for (int j = 1; j < v.length; j++) {
                if (v[j] > v[best]) {
                    best = j;
                }
            }
            out[n] = best;
        }
        return out;
    }

    static double accuracy(int[] truth, int[] pred) {
        int ok = 0;
        for (int i = 0; i < truth.length; i++) {
            ok += truth[i] == pred[i] ? 1 : 0;
        }
        return (double) ok / truth.length;
    }

    private static HeadPolicy options(String head) {
        return new HeadPolicy(
                HeadKind.fromWireName(head), 32, 30, 32, 1e-2, 3, 7L, Device.CPU, ClassWeighting.BALANCED);
    }

    private static HeadTrainer trainer(HeadPolicy policy) {
        return new HeadTrainer(policy, 0.1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear", "mlp"})
    void shouldLearnSeparableSyntheticTask(String head) {
        Data train = blobs(1500, 64, 3, 1, 1.5);
        Data test = blobs(600, 64, 3, 2, 1.5);
        HeadWeights w = trainer(options(head)).train(train.x(), train.y(), 3);
        assertEquals(head, w.kind().wireName());
        assertEquals(64, w.inputDimension());
        assertEquals(3, w.outputDimension());
        assertEquals("mlp".equals(head) ? 2 : 1, w.layers().size());
        double acc = accuracy(test.y(), predict(w, test.x()));
        assertTrue(acc >= 0.95, head + " held-out accuracy " + acc);
    }

    @Test
    void shouldProduceIdenticalWeightsForTheSameSeedOnCpu() {
        Data train = blobs(400, 32, 3, 3, 2.0);
        HeadWeights a = trainer(options("mlp")).train(train.x(), train.y(), 3);
        HeadWeights b = trainer(options("mlp")).train(train.x(), train.y(), 3);
        for (int i = 0; i < a.layers().size(); i++) {
            assertArrayEquals(a.layers().get(i).weight(), b.layers().get(i).weight(), 0f);
            assertArrayEquals(a.layers().get(i).bias(), b.layers().get(i).bias(), 0f);
        }
        HeadWeights c = trainer(options("mlp").withSeed(8)).train(train.x(), train.y(), 3);
        assertFalse(
                Arrays.equals(a.layers().get(0).weight(), c.layers().get(0).weight()),
                "another seed must give other weights, or the determinism check proves nothing");
    }

    @Test
    void shouldWeighClassesByInverseFrequency() {
        int[] y = {0, 0, 0, 1};
        float[] w = HeadTrainer.classWeights(y, new int[] {0, 1, 2, 3}, 3);
        assertEquals(4f / (3 * 3), w[0], 1e-6);
        assertEquals(4f / 3, w[1], 1e-6);
        assertEquals(1f, w[2], 1e-6);
    }

    @Test
    void shouldRecallRareClassThanksToClassWeights() {
        // 95% class 0: an unweighted head can reach 95% accuracy ignoring class 1.
        Random r = new Random(5);
        int n = 2000;
        float[][] x = new float[n][8];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextDouble() < 0.05 ? 1 : 0;
            for (int d = 0; d < 8; d++) {
                x[i][d] = (float) r.nextGaussian() + (y[i] == 1 && d < 2 ? 1.2f : 0f);
            }
        }
        double balanced = rareRecall(trainer(options("linear")).train(x, y, 2), x, y);
        double unweighted = rareRecall(
                trainer(options("linear").withClassWeights(ClassWeighting.NONE)).train(x, y, 2), x, y);
        assertTrue(balanced > 0.5, "rare-class recall with balanced weights " + balanced);
        assertTrue(
                balanced > unweighted + 0.2,
                "balanced weights must raise rare-class recall: " + balanced + " vs " + unweighted);
    }

    private static double rareRecall(HeadWeights w, float[][] x, int[] y) {
        int[] p = predict(w, x);
        int tp = 0;
        int pos = 0;
        for (int i = 0; i < y.length; i++) {
            if (y[i] == 1) {
                pos++;
                tp += p[i] == 1 ? 1 : 0;
            }
        }
        return (double) tp / pos;
    }
}
