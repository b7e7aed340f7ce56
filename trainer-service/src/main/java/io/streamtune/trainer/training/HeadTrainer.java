package io.streamtune.trainer.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.ClassWeighting;
import io.streamtune.common.config.HeadKind;
import io.streamtune.common.config.HeadPolicy;
import io.streamtune.common.model.HeadWeights;

/**
 * Trains a classification head (linear or one-hidden-layer MLP) on fixed embeddings with DJL
 * PyTorch: class-weighted softmax cross-entropy, Adam, mini-batches, early stopping on a seeded
 * validation split keeping the best weights.
 *
 * <p>Deterministic on CPU for a given seed: the split, the batch order and the initial weights
 * all come from {@link java.util.Random} seeded by the options (not from PyTorch's global
 * generator, which concurrent trainings would share).
 */
public final class HeadTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(HeadTrainer.class);

    /** Engine named explicitly: with ONNX Runtime and tokenizers present DJL would guess. */
    static final String ENGINE = "PyTorch";

    private static final double MIN_IMPROVEMENT = 1e-4;

    private final HeadPolicy options;
    private final ClassWeighting weighting;
    private final double validationFraction;

    /**
     * @param policy the head's shape, optimiser, class weighting, seed and device
     * @param validationFraction share of the examples held out (seeded) for early stopping, in [0, 1); 0
     *     trains all epochs and keeps the last weights
     */
    public HeadTrainer(HeadPolicy policy, double validationFraction) {
        if (validationFraction < 0 || validationFraction >= 1) {
            throw new IllegalArgumentException("validationFraction must be in [0, 1), got " + validationFraction);
        }
        this.options = policy;
        this.weighting = policy.classWeights();
        this.validationFraction = validationFraction;
    }

    /** The device training runs on for these options. */
    public Device device() {
        return device(options.device());
    }

    /** A device as the audit log names it: {@code cpu}, {@code gpu0}, ... */
    public static String name(Device device) {
        return device.isGpu() ? "gpu" + device.getDeviceId() : device.getDeviceType();
    }

    /**
     * The DJL device of a configured one: {@link io.streamtune.common.config.Device#AUTO} is the first
     * GPU when the PyTorch engine sees one, else the CPU.
     */
    public static Device device(io.streamtune.common.config.Device configured) {
        return switch (configured) {
            case CPU -> Device.cpu();
            case GPU -> Device.gpu();
            case AUTO -> Engine.getEngine(ENGINE).getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        };
    }

    /**
     * Trains a head.
     *
     * @param x embeddings, {@code [n][dim]}
     * @param y label index per row, in {@code [0, numLabels)}
     * @param numLabels number of labels (head outputs)
     * @return the weights with the best validation loss (or the last, without validation)
     */
    public HeadWeights train(float[][] x, int[] y, int numLabels) {
        int n = x.length;
        if (n == 0 || y.length != n) {
            throw new IllegalArgumentException("need as many labels as rows (>0): " + n + " vs " + y.length);
        }
        if (numLabels < 2) {
            throw new IllegalArgumentException("need at least 2 labels, got " + numLabels);
        }
        int dim = x[0].length;
        for (int i = 0; i < n; i++) {
            if (x[i].length != dim) {
                throw new IllegalArgumentException("row " + i + " has " + x[i].length + " values, not " + dim);
            }
            if (y[i] < 0 || y[i] >= numLabels) {
                throw new IllegalArgumentException("label index " + y[i] + " of row " + i + " out of range");
            }
        }
        Random random = new Random(options.seed());
        int[] perm = permutation(n, random);
        int nVal = (int) Math.round(n * validationFraction);
        if (nVal < 1 || n - nVal < 1) {
            nVal = 0;
        }
        int[] val = java.util.Arrays.copyOfRange(perm, 0, nVal);
        int[] tr = java.util.Arrays.copyOfRange(perm, nVal, n);
        float[] classWeights = weighting == ClassWeighting.BALANCED ? classWeights(y, tr, numLabels) : ones(numLabels);
        Device device = device();
        long t0 = System.nanoTime();

        SequentialBlock block = new SequentialBlock();
        if (options.kind() == HeadKind.LINEAR) {
            block.add(Linear.builder().setUnits(numLabels).build());
        } else {
            block.add(Linear.builder().setUnits(options.hiddenUnits()).build());
            block.add(Activation::relu);
            block.add(Linear.builder().setUnits(numLabels).build());
        }
        WeightedSoftmaxCrossEntropy loss = new WeightedSoftmaxCrossEntropy(classWeights);
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizer.adam()
                        .optLearningRateTracker(Tracker.fixed((float) options.learningRate()))
                        .build())
                .optDevices(new Device[] {device});

        try (Model model = Model.newInstance("head", device, ENGINE); ) {
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, dim));
                initialiseWeights(block, random);
                HeadWeights best = extract(block);
                double bestLoss = Double.POSITIVE_INFINITY;
                int sinceBest = 0;
                int epoch = 0;
                for (epoch = 1; epoch <= options.maxEpochs(); epoch++) {
                    shuffle(tr, random);
                    double trainLoss = 0;
                    for (int start = 0; start < tr.length; start += options.batchSize()) {
                        int end = Math.min(tr.length, start + options.batchSize());
                        try (NDManager bm = trainer.getManager().newSubManager()) {
                            NDArray xb = rows(bm, x, tr, start, end, dim);
                            NDArray yb = labels(bm, y, tr, start, end);
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList pred = trainer.forward(new NDList(xb));
                                NDArray l = loss.evaluate(new NDList(yb), pred);
                                trainLoss += l.getFloat() * (end - start);
                                gc.backward(l);
                            }
                            trainer.step();
                        }
                    }
                    trainLoss /= tr.length;
                    if (nVal == 0) {
                        best = null;
                        LOG.debug("epoch {} train loss {}", epoch, String.format("%.4f", trainLoss));
                        continue;
                    }
                    double[] vl = validate(trainer, loss, x, y, val, dim);
                    boolean improved = vl[0] < bestLoss - MIN_IMPROVEMENT;
                    LOG.debug(
                            "epoch {} train loss {} val loss {} val acc {}{}",
                            epoch,
                            String.format("%.4f", trainLoss),
                            String.format("%.4f", vl[0]),
                            String.format("%.4f", vl[1]),
                            improved ? " *" : "");
                    if (improved) {
                        bestLoss = vl[0];
                        best = extract(block);
                        sinceBest = 0;
                    } else if (++sinceBest >= options.patience()) {
                        break;
                    }
                }
                HeadWeights result = best != null ? best : extract(block);
                LOG.info(
                        "trained {} head ({} class weights) {}->{} on {} examples ({} validation) in {} epochs, {} ms on {}, best val loss {}",
                        options.kind().wireName(),
                        weighting,
                        dim,
                        numLabels,
                        tr.length,
                        nVal,
                        Math.min(epoch, options.maxEpochs()),
                        (System.nanoTime() - t0) / 1_000_000,
                        device,
                        nVal == 0 ? "n/a" : String.format("%.4f", bestLoss));
                return result;
            }
        }
    }

    private double[] validate(
            Trainer trainer, WeightedSoftmaxCrossEntropy loss, float[][] x, int[] y, int[] val, int dim) {
        double total = 0;
        long correct = 0;
        int chunk = 1024;
        for (int start = 0; start < val.length; start += chunk) {
            int end = Math.min(val.length, start + chunk);
            try (NDManager bm = trainer.getManager().newSubManager()) {
                NDArray xb = rows(bm, x, val, start, end, dim);
                NDArray yb = labels(bm, y, val, start, end);
                NDList pred = trainer.evaluate(new NDList(xb));
                total += loss.evaluate(new NDList(yb), pred).getFloat() * (end - start);
                long[] argmax = pred.singletonOrThrow().argMax(1).toLongArray();
                for (int i = start; i < end; i++) {
                    if (argmax[i - start] == y[val[i]]) {
                        correct++;
                    }
                }
            }
        }
        return new double[] {total / val.length, (double) correct / val.length};
    }

    private static NDArray rows(NDManager m, float[][] x, int[] idx, int start, int end, int dim) {
        float[] flat = new float[(end - start) * dim];
        for (int i = start; i < end; i++) {
            System.arraycopy(x[idx[i]], 0, flat, (i - start) * dim, dim);
        }
        return m.create(flat, new Shape(end - start, dim));
    }

    private static NDArray labels(NDManager m, int[] y, int[] idx, int start, int end) {
        int[] out = new int[end - start];
        for (int i = start; i < end; i++) {
            out[i - start] = y[idx[i]];
        }
        return m.create(out).toType(DataType.INT64, false);
    }

    private static float[] ones(int k) {
        float[] w = new float[k];
        java.util.Arrays.fill(w, 1f);
        return w;
    }

    /** Inverse frequency ("balanced"): n / (k * count); absent classes weigh 1. */
    public static float[] classWeights(int[] y, int[] idx, int k) {
        long[] counts = new long[k];
        for (int i : idx) {
            counts[y[i]]++;
        }
        float[] w = new float[k];
        for (int c = 0; c < k; c++) {
            w[c] = counts[c] == 0 ? 1f : (float) idx.length / (k * counts[c]);
        }
        return w;
    }

    private static List<Linear> linears(Block block) {
        List<Linear> out = new ArrayList<>();
        for (Pair<String, Block> c : block.getChildren()) {
            if (c.getValue() instanceof Linear l) {
                out.add(l);
            }
        }
        return out;
    }

    /** Xavier-uniform from our own seeded generator, zero bias. */
    private static void initialiseWeights(Block block, Random random) {
        for (Linear l : linears(block)) {
            NDArray w = l.getParameters().get("weight").getArray();
            long count = w.size();
            Shape s = w.getShape();
            double limit = Math.sqrt(6.0 / (s.get(0) + s.get(1)));
            float[] values = new float[(int) count];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
            }
            w.set(java.nio.FloatBuffer.wrap(values));
            NDArray b = l.getParameters().get("bias").getArray();
            b.set(java.nio.FloatBuffer.wrap(new float[(int) b.size()]));
        }
    }

    /** DJL stores Linear weights as [out, in]; HeadWeights wants row-major [in][out]. */
    private HeadWeights extract(Block block) {
        List<HeadWeights.Layer> layers = new ArrayList<>();
        for (Linear l : linears(block)) {
            NDArray w = l.getParameters().get("weight").getArray();
            int out = (int) w.getShape().get(0);
            int in = (int) w.getShape().get(1);
            float[] src = w.toFloatArray();
            float[] t = new float[in * out];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    t[i * out + o] = src[o * in + i];
                }
            }
            float[] bias = l.getParameters().get("bias").getArray().toFloatArray();
            layers.add(new HeadWeights.Layer(in, out, t, bias));
        }
        return new HeadWeights(options.kind(), layers);
    }

    private static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p, random);
        return p;
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
