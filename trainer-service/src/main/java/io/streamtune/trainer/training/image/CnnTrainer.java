package io.streamtune.trainer.training.image;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
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

import io.streamtune.common.NativeAllocator;
import io.streamtune.common.config.ClassWeighting;
import io.streamtune.common.config.CnnPolicy;
import io.streamtune.common.config.Device;
import io.streamtune.common.image.ImageSpec;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.CnnArchitecture;
import io.streamtune.common.model.CnnBackbone;
import io.streamtune.common.model.CnnParametersFile;
import io.streamtune.common.model.CnnWeights;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.TensorPack;
import io.streamtune.trainer.training.HeadTrainer;
import io.streamtune.trainer.training.WeightedSoftmaxCrossEntropy;

/**
 * Trains an image model, a ResNetV1 backbone (DJL's model-zoo builder) and a linear head, on
 * DJL's PyTorch engine: class-weighted softmax cross-entropy, Adam with the learning rate decayed
 * to 0 along a cosine over the training (Loshchilov and Hutter, 2017, "SGDR"), mini-batches in a
 * seeded order, a fixed number of epochs.
 *
 * <p>Where training starts:
 * <ul>
 *   <li>{@link Start#CHAMPION}: the champion's backbone and head, exactly (continuous fine-tuning:
 *       the first forward of the new version equals the champion's);</li>
 *   <li>{@link Start#PRETRAINED}: no champion, {@code cnn.pretrained} set: the backbone from that DJL
 *       parameters file, a new head;</li>
 *   <li>{@link Start#SCRATCH}: new weights, He-normal for convolutions (He et al., 2015, "Delving Deep
 *       into Rectifiers"), uniform +-1/sqrt(in) for the head, BatchNorm scale 1 and shift 0.</li>
 * </ul>
 * With {@code cnn.freezeBackbone} and a backbone to start from, the backbone is not trained: its
 * features are computed once through {@link CnnBackbone} (the serving code) and only the head
 * trains on them. From scratch there is nothing to freeze, so the first version trains everything.
 *
 * <p>Deterministic on CPU for a seed: initial weights and batch order come from a
 * {@link java.util.Random} of {@code cnn.seed}, not from PyTorch's global generator. Every
 * batch's arrays live in a sub-manager closed after its step, and the model is closed after each
 * training, so native memory does not grow over steps or windows. The GPU path is the same code
 * with another device and has not been run: no machine here has both a GPU and a JDK.
 *
 * <pre>{@code
 * CnnTrainer trainer = new CnnTrainer(imagePolicy.spec(), cnnPolicy, ClassWeighting.BALANCED);
 * CnnTrainingResult v1 = trainer.train(window1, labels.size(), null, null);
 * CnnTrainingResult v2 = trainer.train(window2, labels.size(), v1.asWarmStart(), null);
 * }</pre>
 */
public final class CnnTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(CnnTrainer.class);

    /** Engine named explicitly: with ONNX Runtime and tokenizers present DJL would guess. */
    static final String ENGINE = "PyTorch";

    /** Images per forward call when a frozen backbone computes features. */
    private static final int FEATURE_BATCH = 128;

    /** Where a training's weights came from. */
    public enum Start {
        SCRATCH,
        PRETRAINED,
        CHAMPION
    }

    /** Called after every optimiser step; for progress bars and memory checks. */
    @FunctionalInterface
    public interface Progress {
        void step(StepReport report);
    }

    /**
     * One optimiser step.
     *
     * @param epoch        1-based epoch
     * @param epochs       epochs in this training
     * @param batch        1-based batch within the epoch
     * @param batches      batches per epoch
     * @param loss         the batch's mean loss
     * @param nativeArrays native arrays held by the training model after the batch's were freed
     */
    public record StepReport(int epoch, int epochs, int batch, int batches, double loss, int nativeArrays) {}

    private final CnnArchitecture architecture;
    private final CnnPolicy policy;
    private final ClassWeighting weighting;

    /**
     * @param spec      the images' form (size, channels, normalisation)
     * @param policy    the {@code cnn.*} settings
     * @param weighting how the loss weighs labels of different frequency
     * @throws IllegalArgumentException when {@code policy.layers()} does not build for {@code spec.size()}
     */
    public CnnTrainer(ImageSpec spec, CnnPolicy policy, ClassWeighting weighting) {
        this.architecture = new CnnArchitecture(policy.layers(), spec);
        this.policy = policy;
        this.weighting = weighting;
    }

    public CnnArchitecture architecture() {
        return architecture;
    }

    /** The device training runs on for these settings. */
    public ai.djl.Device device() {
        return device(policy.device());
    }

    /** DJL's device for a configured one: AUTO is the first GPU when PyTorch sees one, else the CPU. */
    public static ai.djl.Device device(Device device) {
        return switch (device) {
            case CPU -> ai.djl.Device.cpu();
            case GPU -> ai.djl.Device.gpu();
            case AUTO -> Engine.getEngine(ENGINE).getGpuCount() > 0 ? ai.djl.Device.gpu() : ai.djl.Device.cpu();
        };
    }

    /**
     * Trains one version.
     *
     * @param data      the training window
     * @param numLabels head outputs (labels are indices below it)
     * @param champion  the weights in service to continue from, or null for the first version
     * @param progress  called after every step, or null
     * @throws ArtifactException the champion's backbone is another architecture or input, or its head
     *     does not map the backbone's features to {@code numLabels} (SHAPE_MISMATCH); the pretrained
     *     file does not hold this architecture
     * @throws IOException the pretrained file cannot be read
     */
    public CnnTrainingResult train(LabelledImages data, int numLabels, WarmStart champion, Progress progress)
            throws ArtifactException, IOException {
        if (!data.spec().equals(architecture.input())) {
            throw new IllegalArgumentException(
                    "images are " + data.spec() + ", the trainer takes " + architecture.input());
        }
        if (data.size() < 2) {
            throw new IllegalArgumentException("need at least 2 images to train, got " + data.size());
        }
        if (numLabels < 2) {
            throw new IllegalArgumentException("need at least 2 labels, got " + numLabels);
        }
        for (int i = 0; i < data.size(); i++) {
            if (data.label(i) < 0 || data.label(i) >= numLabels) {
                throw new IllegalArgumentException("label index " + data.label(i) + " of image " + i + " out of range");
            }
        }
        NativeAllocator.warnOnceIfUntuned(LOG);
        long t0 = System.nanoTime();
        Initial initial = initial(numLabels, champion);
        boolean frozen = policy.freezeBackbone() && initial.backbone != null;
        if (policy.freezeBackbone() && !frozen) {
            LOG.info("cnn: freezeBackbone is set but there is no backbone yet; this first version trains all of it");
        }
        ai.djl.Device device = device();
        Random random = new Random(policy.seed());
        int[] indices = new int[data.size()];
        Arrays.setAll(indices, i -> i);
        float[] classWeights = weighting == ClassWeighting.BALANCED
                ? HeadTrainer.classWeights(data.labels(), indices, numLabels)
                : ones(numLabels);
        WeightedSoftmaxCrossEntropy loss = new WeightedSoftmaxCrossEntropy(classWeights);
        Trained trained = frozen
                ? trainHead(data, numLabels, initial, loss, device, random, progress)
                : trainAll(data, numLabels, initial, loss, device, random, progress);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double rate = (double) policy.epochs() * data.size() / Math.max(seconds, 1e-9);
        LOG.info(
                "cnn: trained {} ({}{}) on {} images, {} epochs, {} steps in {} s ({} images/s) on {},"
                        + " last epoch loss {}",
                architecture,
                initial.start,
                frozen ? ", backbone frozen" : "",
                data.size(),
                policy.epochs(),
                trained.steps,
                String.format("%.1f", seconds),
                String.format("%.0f", rate),
                device,
                String.format("%.4f", trained.lastLoss));
        return new CnnTrainingResult(
                trained.backbone,
                trained.head,
                initial.start,
                frozen,
                policy.epochs(),
                trained.steps,
                trained.lastLoss,
                seconds,
                rate,
                device);
    }

    /**
     * The weights a training with these arguments starts from, built exactly as {@link #train}
     * builds them (for checks: from a champion they are the champion's).
     *
     * @throws ArtifactException as {@link #train}
     * @throws IOException as {@link #train}
     */
    public WarmStart startingPoint(int numLabels, WarmStart champion) throws ArtifactException, IOException {
        Initial initial = initial(numLabels, champion);
        try (Model model = Model.newInstance("cnn-start", ai.djl.Device.cpu(), ENGINE)) {
            Net net = net(numLabels);
            model.setBlock(net.all);
            net.all.initialize(model.getNDManager(), DataType.FLOAT32, architecture.inputShape(1));
            initialise(net, initial, new Random(policy.seed()));
            return new WarmStart(CnnWeights.toPack(net.backbone, architecture), CnnWeights.headOf(net.head));
        }
    }

    /**
     * Logits of the training network (DJL's backbone block and Linear head, inference mode) with
     * the given weights: what training computes, for comparison with what serving computes.
     *
     * @param images normalised, {@code [n][channels * size * size]}
     * @return {@code [n][labels]}
     */
    float[][] trainingNetworkLogits(WarmStart weights, float[][] images) throws ArtifactException, IOException {
        int numLabels = weights.head().outputDimension();
        Initial initial = initial(numLabels, weights);
        try (Model model = Model.newInstance("cnn-check", ai.djl.Device.cpu(), ENGINE)) {
            Net net = net(numLabels);
            model.setBlock(net.all);
            net.all.initialize(model.getNDManager(), DataType.FLOAT32, architecture.inputShape(1));
            initialise(net, initial, new Random(policy.seed()));
            int e = architecture.input().elements();
            float[] flat = new float[images.length * e];
            for (int i = 0; i < images.length; i++) {
                System.arraycopy(images[i], 0, flat, i * e, e);
            }
            try (NDManager m = model.getNDManager().newSubManager()) {
                NDArray x = m.create(flat, architecture.inputShape(images.length));
                float[] z = net.all
                        .forward(new ai.djl.training.ParameterStore(m, false), new NDList(x), false)
                        .singletonOrThrow()
                        .toFloatArray();
                float[][] out = new float[images.length][numLabels];
                for (int i = 0; i < images.length; i++) {
                    System.arraycopy(z, i * numLabels, out[i], 0, numLabels);
                }
                return out;
            }
        }
    }

    private record Initial(Start start, TensorPack backbone, HeadWeights head) {}

    private record Net(SequentialBlock all, SequentialBlock backbone, Linear head) {}

    private record Trained(TensorPack backbone, HeadWeights head, int steps, double lastLoss) {}

    private Initial initial(int numLabels, WarmStart champion) throws ArtifactException, IOException {
        if (champion != null) {
            architecture.requireSame(CnnArchitecture.of(champion.backbone()));
            HeadWeights h = champion.head();
            if (h.layers().size() != 1
                    || h.inputDimension() != architecture.featureDimension()
                    || h.outputDimension() != numLabels) {
                throw new ArtifactException(
                        ArtifactException.Reason.SHAPE_MISMATCH,
                        "champion head "
                                + h.inputDimension() + " -> " + h.outputDimension() + " ("
                                + h.layers().size()
                                + " layer(s)) cannot continue as a linear head " + architecture.featureDimension()
                                + " -> "
                                + numLabels);
            }
            return new Initial(Start.CHAMPION, champion.backbone(), h);
        }
        if (policy.pretrained() != null) {
            return new Initial(Start.PRETRAINED, CnnParametersFile.load(policy.pretrained(), architecture), null);
        }
        return new Initial(Start.SCRATCH, null, null);
    }

    private Net net(int numLabels) {
        SequentialBlock backbone = architecture.backbone();
        Linear head = Linear.builder().setUnits(numLabels).build();
        SequentialBlock all = new SequentialBlock().add(backbone).add(head);
        return new Net(all, backbone, head);
    }

    /** Seeded new weights everywhere, then the starting backbone and head over them where given. */
    private static void initialise(Net net, Initial initial, Random random) throws ArtifactException {
        for (Pair<String, Parameter> p : net.all.getParameters()) {
            Parameter param = p.getValue();
            NDArray a = param.getArray();
            float[] v = new float[Math.toIntExact(a.size())];
            long[] shape = a.getShape().getShape();
            switch (param.getType()) {
                case WEIGHT -> {
                    long fanIn = 1;
                    for (int d = 1; d < shape.length; d++) {
                        fanIn *= shape[d];
                    }
                    if (shape.length > 2) {
                        double std = Math.sqrt(2.0 / fanIn);
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (float) (random.nextGaussian() * std);
                        }
                    } else {
                        double limit = 1.0 / Math.sqrt(fanIn);
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
                        }
                    }
                }
                case GAMMA, RUNNING_VAR -> Arrays.fill(v, 1f);
                default -> Arrays.fill(v, 0f);
            }
            a.set(FloatBuffer.wrap(v));
        }
        if (initial.backbone != null) {
            CnnWeights.load(net.backbone, initial.backbone);
        }
        if (initial.head != null) {
            CnnWeights.setHead(net.head, initial.head);
        }
    }

    private DefaultTrainingConfig config(WeightedSoftmaxCrossEntropy loss, int totalSteps, ai.djl.Device device) {
        Tracker lr = Tracker.cosine()
                .setBaseValue((float) policy.learningRate())
                .optFinalValue(0f)
                .setMaxUpdates(Math.max(1, totalSteps))
                .build();
        return new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizer.adam().optLearningRateTracker(lr).build())
                .optDevices(new ai.djl.Device[] {device});
    }

    /** Backbone and head together, on images. */
    private Trained trainAll(
            LabelledImages data,
            int numLabels,
            Initial initial,
            WeightedSoftmaxCrossEntropy loss,
            ai.djl.Device device,
            Random random,
            Progress progress)
            throws ArtifactException {
        int batch = Math.min(policy.batchSize(), data.size());
        int batches = batchesPerEpoch(data.size(), batch);
        try (Model model = Model.newInstance("cnn", device, ENGINE)) {
            Net net = net(numLabels);
            model.setBlock(net.all);
            try (Trainer trainer = model.newTrainer(config(loss, batches * policy.epochs(), device))) {
                trainer.initialize(architecture.inputShape(1));
                initialise(net, initial, random);
                ImageSpec spec = architecture.input();
                Epochs run = new Epochs(
                        trainer,
                        model,
                        loss,
                        data.size(),
                        batch,
                        batches,
                        random,
                        progress,
                        (m, idx, from, to) -> {
                            float[] flat = new float[(to - from) * spec.elements()];
                            for (int i = from; i < to; i++) {
                                float[] x = spec.normalise(data.pixels().get(idx[i]));
                                System.arraycopy(x, 0, flat, (i - from) * spec.elements(), x.length);
                            }
                            return m.create(flat, architecture.inputShape(to - from));
                        },
                        data::label);
                double last = run.all(policy.epochs());
                return new Trained(
                        CnnWeights.toPack(net.backbone, architecture), CnnWeights.headOf(net.head), run.steps, last);
            }
        }
    }

    /** The head alone on features the frozen backbone computes once, through the serving code. */
    private Trained trainHead(
            LabelledImages data,
            int numLabels,
            Initial initial,
            WeightedSoftmaxCrossEntropy loss,
            ai.djl.Device device,
            Random random,
            Progress progress)
            throws ArtifactException {
        int d = architecture.featureDimension();
        float[][] features = new float[data.size()][];
        try (CnnBackbone backbone = CnnBackbone.load(initial.backbone, architecture, device)) {
            for (int from = 0; from < data.size(); from += FEATURE_BATCH) {
                int to = Math.min(data.size(), from + FEATURE_BATCH);
                float[][] f = backbone.features(data.tensors(from, to));
                System.arraycopy(f, 0, features, from, to - from);
            }
        }
        int batch = Math.min(policy.batchSize(), data.size());
        int batches = batchesPerEpoch(data.size(), batch);
        try (Model model = Model.newInstance("cnn-head", device, ENGINE)) {
            Net net = net(numLabels);
            model.setBlock(net.head);
            try (Trainer trainer = model.newTrainer(config(loss, batches * policy.epochs(), device))) {
                trainer.initialize(new Shape(1, d));
                // Initialise through the whole net so the head's new weights are drawn as in trainAll.
                try (NDManager scratch = model.getNDManager().newSubManager()) {
                    net.backbone.initialize(scratch, DataType.FLOAT32, architecture.inputShape(1));
                    initialise(net, initial, random);
                }
                Epochs run = new Epochs(
                        trainer,
                        model,
                        loss,
                        data.size(),
                        batch,
                        batches,
                        random,
                        progress,
                        (m, idx, from, to) -> {
                            float[] flat = new float[(to - from) * d];
                            for (int i = from; i < to; i++) {
                                System.arraycopy(features[idx[i]], 0, flat, (i - from) * d, d);
                            }
                            return m.create(flat, new Shape(to - from, d));
                        },
                        data::label);
                double last = run.all(policy.epochs());
                return new Trained(initial.backbone, CnnWeights.headOf(net.head), run.steps, last);
            }
        }
    }

    /** Full batches, with a last partial one unless it would hold a single image (BatchNorm needs two). */
    private static int batchesPerEpoch(int n, int batch) {
        int full = n / batch;
        return n % batch >= 2 ? full + 1 : full;
    }

    private static float[] ones(int k) {
        float[] w = new float[k];
        Arrays.fill(w, 1f);
        return w;
    }

    /** Makes the input array of the images {@code idx[from, to)} in a batch's manager. */
    @FunctionalInterface
    private interface BatchInput {
        NDArray create(NDManager manager, int[] idx, int from, int to);
    }

    /** The epoch loop shared by both paths. */
    private static final class Epochs {
        private final Trainer trainer;
        private final Model model;
        private final WeightedSoftmaxCrossEntropy loss;
        private final int[] order;
        private final int batch;
        private final int batches;
        private final Random random;
        private final Progress progress;
        private final BatchInput input;
        private final java.util.function.IntUnaryOperator label;
        int steps;

        Epochs(
                Trainer trainer,
                Model model,
                WeightedSoftmaxCrossEntropy loss,
                int n,
                int batch,
                int batches,
                Random random,
                Progress progress,
                BatchInput input,
                java.util.function.IntUnaryOperator label) {
            this.trainer = trainer;
            this.model = model;
            this.loss = loss;
            this.order = new int[n];
            Arrays.setAll(order, i -> i);
            this.batch = batch;
            this.batches = batches;
            this.random = random;
            this.progress = progress;
            this.input = input;
            this.label = label;
        }

        /** Runs the epochs; returns the last epoch's mean loss. */
        double all(int epochs) {
            double epochLoss = Double.NaN;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                shuffle(order, random);
                double sum = 0;
                int seen = 0;
                for (int b = 0; b < batches; b++) {
                    int from = b * batch;
                    int to = Math.min(order.length, from + batch);
                    double batchLoss;
                    try (NDManager bm = trainer.getManager().newSubManager()) {
                        NDArray x = input.create(bm, order, from, to);
                        int[] y = new int[to - from];
                        for (int i = from; i < to; i++) {
                            y[i - from] = label.applyAsInt(order[i]);
                        }
                        NDArray yb = bm.create(y).toType(DataType.INT64, false);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList pred = trainer.forward(new NDList(x));
                            NDArray l = loss.evaluate(new NDList(yb), pred);
                            batchLoss = l.getFloat();
                            gc.backward(l);
                        }
                        trainer.step();
                    }
                    steps++;
                    sum += batchLoss * (to - from);
                    seen += to - from;
                    if (progress != null) {
                        progress.step(new StepReport(
                                epoch,
                                epochs,
                                b + 1,
                                batches,
                                batchLoss,
                                model.getNDManager().getManagedArrays().size()));
                    }
                }
                epochLoss = sum / seen;
                LOG.debug("cnn: epoch {}/{} mean loss {}", epoch, epochs, String.format("%.4f", epochLoss));
            }
            return epochLoss;
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
}
