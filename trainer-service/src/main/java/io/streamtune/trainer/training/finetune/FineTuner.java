package io.streamtune.trainer.training.finetune;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.Device;
import io.streamtune.common.config.FinetuneMode;
import io.streamtune.common.config.FinetuneOptions;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.nlp.BertWeights;
import io.streamtune.common.nlp.EncoderException;
import io.streamtune.common.nlp.EncoderSpec;
import io.streamtune.common.nlp.EncoderTokenizer;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.PaddedBatch;
import io.streamtune.trainer.training.Labelled;

/**
 * Fine-tunes a shipped text encoder and a classification head together (tier 2): BitFit, LoRA or full fine-tuning
 * of a trainable copy of the encoder built from the same ONNX file serving runs, with softmax cross-entropy, AdamW,
 * linear warm-up and decay, and global-norm clipping ({@link FinetuneOptions}).
 *
 * <pre>{@code
 * FineTuner tuner = new FineTuner();
 * FinetuneResult r = tuner.tune("all-minilm-l6-v2", null, null, labels, examples,
 *         FinetuneOptions.defaults(FinetuneMode.LORA), Device.AUTO, FinetuneListener.NONE);
 * try (TextEncoder served = Encoders.open("all-minilm-l6-v2", 128, 1, r.weights())) {
 *     // Classifier over served + r.head() gives what training computed
 * }
 * }</pre>
 *
 * <p>Deterministic on the CPU for a seed: the example order, LoRA's A and a new head come from
 * {@link java.util.Random}, not from PyTorch's global generator (no dropout is used, so none is drawn).
 *
 * <p>Threads: one run per thread; runs on several threads may overlap, and may overlap head training that uses
 * DJL's {@code GradientCollector} (see {@link Autograd}). The instance keeps the base weights of the last encoder it
 * tuned (tens of MB) so consecutive windows do not re-read the ONNX file; it is otherwise stateless.
 *
 * <p>Mixed precision (GPU only) is written to be correct by construction: float32 master weights, float16 matrix
 * products, dynamic loss scaling (start 2^16, halve and skip on a non-finite gradient, double after 2,000 good
 * steps). It has never run on a GPU: no machine this is built on has a GPU and a JDK.
 */
public final class FineTuner {

    private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);

    private static final double INITIAL_LOSS_SCALE = 65_536;
    private static final int LOSS_SCALE_GROWTH_INTERVAL = 2_000;

    private final Map<String, BertWeights> bases = new HashMap<>();

    /** Tests: called after every step with the number of native arrays the model's manager holds. */
    java.util.function.IntConsumer liveArraysProbe = n -> {};

    /** Tests: float16 matrix products on the CPU too, to run the mixed-precision code where a test can. */
    boolean halfOnCpu;

    /**
     * Trains and returns the weights and head.
     *
     * @param encoderId a shipped encoder ({@code Encoders.knownIds()}, fp32 ones)
     * @param warmStart weights of a previous result of this encoder to continue from (the champion's), or null; its
     *     mode must equal {@code options.mode()} unless that is full
     * @param warmHead the head to continue from, or null for a new linear head
     * @param labels ordered label set (head outputs)
     * @param examples training examples, at least one; every label in {@code labels}
     * @param device where to train ({@link Device#AUTO}: the GPU when PyTorch sees one)
     * @param listener progress after every step
     * @throws EncoderException if the encoder is unknown or its files cannot be read
     * @throws ArtifactException if the warm start or head does not fit the encoder, the mode or the labels
     * @throws IllegalArgumentException if the mode is none, the examples are empty or a label is unknown, or a GPU
     *     is requested where there is none
     */
    public FinetuneResult tune(
            String encoderId,
            TensorPack warmStart,
            HeadWeights warmHead,
            List<String> labels,
            List<Labelled> examples,
            FinetuneOptions options,
            Device device,
            FinetuneListener listener)
            throws EncoderException, ArtifactException {
        return run(encoderId, warmStart, warmHead, labels, examples, options, device, listener, List.of())
                .result();
    }

    /** A result and the trained in-memory model's probabilities for some texts (tests compare them with serving). */
    record Probed(FinetuneResult result, float[][] probabilities) {}

    Probed run(
            String encoderId,
            TensorPack warmStart,
            HeadWeights warmHead,
            List<String> labels,
            List<Labelled> examples,
            FinetuneOptions options,
            Device device,
            FinetuneListener listener,
            List<String> probeTexts)
            throws EncoderException, ArtifactException {
        if (options.mode() == FinetuneMode.NONE) {
            throw new IllegalArgumentException("finetune.mode is none: nothing to fine-tune");
        }
        if (examples.isEmpty() || labels.size() < 2) {
            throw new IllegalArgumentException("fine-tuning needs examples and at least 2 labels, got "
                    + examples.size() + " examples and labels " + labels);
        }
        int[] y = Labelled.labelIndices(labels, examples);
        EncoderSpec spec = Encoders.spec(encoderId)
                .orElseThrow(() -> new EncoderException(
                        "unknown encoder id '" + encoderId + "'; known ids: " + Encoders.knownIds()));
        BertWeights base = base(encoderId);
        ai.djl.Device djlDevice = resolve(device);
        boolean half = (djlDevice.isGpu() || halfOnCpu) && options.mixedPrecision();
        Random random = new Random(options.seed());
        long tSetup = System.nanoTime();
        try (EncoderTokenizer tokenizer = Encoders.openTokenizer(encoderId, options.maxLength());
                TrainableBert model = TrainableBert.create(
                        base,
                        encoderId,
                        spec.pooling(),
                        options.mode(),
                        options.loraRank(),
                        options.loraAlpha(),
                        options.loraTargets(),
                        warmStart,
                        warmHead,
                        labels.size(),
                        djlDevice,
                        random,
                        half)) {
            List<String> texts = new ArrayList<>(examples.size());
            for (Labelled e : examples) {
                if (!(e.input() instanceof ModelInput.Text t)) {
                    throw new IllegalArgumentException("fine-tuning a text encoder needs text examples, got "
                            + e.input().getClass().getSimpleName());
                }
                texts.add(t.text());
            }
            EncoderTokenizer.Tokens[] tokens = tokenizer.tokenize(texts);
            int n = examples.size();
            int perEpoch = (n + options.batchSize() - 1) / options.batchSize();
            int total = perEpoch * options.epochs();
            LinearWarmupDecay schedule = LinearWarmupDecay.of(total, options.warmupFraction());
            double encoderLr = options.effectiveLearningRate();
            LOG.info(
                    "finetune {} {}: {} examples, {} epochs, {} steps, batch {}, max length {}, lr {} (head {}),"
                            + " {} trainable values, on {}{}, set-up {} ms",
                    encoderId,
                    options.mode().name().toLowerCase(java.util.Locale.ROOT),
                    n,
                    options.epochs(),
                    total,
                    options.batchSize(),
                    options.maxLength(),
                    encoderLr,
                    options.headLearningRate(),
                    trainableValues(model),
                    djlDevice,
                    half ? " (mixed precision)" : "",
                    (System.nanoTime() - tSetup) / 1_000_000);
            AdamW optimizer = new AdamW();
            double lossScale = half ? INITIAL_LOSS_SCALE : 1.0;
            int goodSteps = 0;
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            double lastEpochLoss = Double.NaN;
            long t0 = System.nanoTime();
            boolean previousMode = Autograd.record(true);
            try {
                int s = 0;
                for (int epoch = 0; epoch < options.epochs(); epoch++) {
                    double epochLoss = 0;
                    for (int[] rows : lengthGroupedBatches(order, tokens, options.batchSize(), random)) {
                        EncoderTokenizer.Tokens[] chunk = new EncoderTokenizer.Tokens[rows.length];
                        for (int i = 0; i < rows.length; i++) {
                            chunk[i] = tokens[rows[i]];
                        }
                        PaddedBatch batch = PaddedBatch.of(rows, chunk);
                        double factor = schedule.factor(s);
                        double loss;
                        try (NDManager bm = model.manager().newSubManager()) {
                            NDArray l = crossEntropy(bm, model.logits(bm, batch), y, rows, labels.size());
                            loss = l.getFloat();
                            Autograd.backward(half ? l.mul((float) lossScale) : l);
                            double norm = optimizer.update(
                                    bm,
                                    model.params(),
                                    encoderLr * factor,
                                    options.headLearningRate() * factor,
                                    options.weightDecay(),
                                    options.gradientClip(),
                                    lossScale);
                            if (Double.isNaN(norm) && !half) {
                                LOG.warn(
                                        "finetune {}: non-finite gradient at step {} (loss {}), step skipped",
                                        encoderId,
                                        s + 1,
                                        loss);
                            }
                            if (half) {
                                if (Double.isNaN(norm)) {
                                    lossScale /= 2;
                                    goodSteps = 0;
                                    LOG.debug(
                                            "finetune {}: non-finite gradient at step {}, loss scale now {}",
                                            encoderId,
                                            s + 1,
                                            lossScale);
                                } else if (++goodSteps % LOSS_SCALE_GROWTH_INTERVAL == 0) {
                                    lossScale *= 2;
                                }
                            }
                        }
                        epochLoss += loss * rows.length;
                        liveArraysProbe.accept(model.liveArrays());
                        listener.onStep(++s, total, loss);
                    }
                    lastEpochLoss = epochLoss / n;
                    LOG.debug(
                            "finetune {} epoch {}: mean loss {}",
                            encoderId,
                            epoch + 1,
                            String.format("%.4f", lastEpochLoss));
                }
            } finally {
                Autograd.record(previousMode);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            float[][] probe = probeTexts.isEmpty() ? new float[0][] : probabilities(model, tokenizer, probeTexts);
            FinetuneResult result = new FinetuneResult(
                    model.exportWeights(encoderId, base.sha256()),
                    model.exportHead(),
                    options.mode(),
                    n,
                    options.epochs(),
                    optimizer.steps(),
                    seconds,
                    (double) n * options.epochs() / Math.max(1e-9, seconds),
                    djlDevice.toString(),
                    half,
                    lastEpochLoss);
            LOG.info(
                    "finetune {} {}: {} steps in {} s ({} sentences/s), last epoch loss {}",
                    encoderId,
                    options.mode().name().toLowerCase(java.util.Locale.ROOT),
                    optimizer.steps(),
                    String.format("%.1f", seconds),
                    String.format("%.1f", result.sentencesPerSecond()),
                    String.format("%.4f", lastEpochLoss));
            return new Probed(result, probe);
        }
    }

    /** Mean softmax cross-entropy of the rows' labels; every array in {@code bm}. */
    private static NDArray crossEntropy(NDManager bm, NDArray logits, int[] y, int[] rows, int k) {
        float[] oneHot = new float[rows.length * k];
        for (int i = 0; i < rows.length; i++) {
            oneHot[i * k + y[rows[i]]] = 1f;
        }
        NDArray target = bm.create(oneHot, new Shape(rows.length, k));
        return logits.logSoftmax(1).mul(target).sum().neg().div((float) rows.length);
    }

    /** Softmax probabilities of the in-memory model, without recording gradients. */
    static float[][] probabilities(TrainableBert model, EncoderTokenizer tokenizer, List<String> texts) {
        float[][] out = new float[texts.size()][];
        boolean previous = Autograd.record(false);
        try {
            for (PaddedBatch b : tokenizer.lengthSortedBatches(texts, 64)) {
                try (NDManager bm = model.manager().newSubManager()) {
                    NDArray p = model.logits(bm, b).softmax(1);
                    int k = (int) p.getShape().get(1);
                    float[] flat = p.toFloatArray();
                    for (int i = 0; i < b.size(); i++) {
                        out[b.rows()[i]] = java.util.Arrays.copyOfRange(flat, i * k, (i + 1) * k);
                    }
                }
            }
        } finally {
            Autograd.record(previous);
        }
        return out;
    }

    synchronized BertWeights base(String encoderId) throws EncoderException {
        BertWeights b = bases.get(encoderId);
        if (b == null) {
            bases.clear();
            b = BertWeights.load(encoderId);
            bases.put(encoderId, b);
        }
        return b;
    }

    /**
     * The DJL device for a configured one: AUTO is the first GPU when PyTorch sees one, else the CPU.
     *
     * @throws IllegalArgumentException if GPU is asked for and PyTorch sees none
     */
    public static ai.djl.Device resolve(Device device) {
        int gpus = device == Device.CPU
                ? 0
                : Engine.getEngine(TrainableBert.ENGINE).getGpuCount();
        return switch (device) {
            case CPU -> ai.djl.Device.cpu();
            case GPU -> {
                if (gpus == 0) {
                    throw new IllegalArgumentException("device gpu requested, but PyTorch sees no GPU");
                }
                yield ai.djl.Device.gpu();
            }
            default -> gpus > 0 ? ai.djl.Device.gpu() : ai.djl.Device.cpu();
        };
    }

    private static long trainableValues(TrainableBert model) {
        long n = 0;
        for (TrainableBert.Param p : model.params()) {
            n += p.value().size();
        }
        return n;
    }

    /** Batches that group texts of similar length, in random order. */
    static final int BATCHES_PER_LENGTH_GROUP = 16;

    /**
     * One epoch's batches: shuffle the examples, cut them into groups of {@value #BATCHES_PER_LENGTH_GROUP} batches,
     * sort each group by token count and cut it into batches, then shuffle the batches. Padding to a batch's longest
     * text then costs little (Hugging Face Trainer's {@code group_by_length} does the same); every example is seen
     * once per epoch and the order depends only on {@code random}.
     */
    static List<int[]> lengthGroupedBatches(
            int[] order, EncoderTokenizer.Tokens[] tokens, int batchSize, Random random) {
        shuffle(order, random);
        int n = order.length;
        int group = batchSize * BATCHES_PER_LENGTH_GROUP;
        List<int[]> batches = new ArrayList<>();
        for (int g = 0; g < n; g += group) {
            Integer[] members = new Integer[Math.min(n, g + group) - g];
            for (int i = 0; i < members.length; i++) {
                members[i] = order[g + i];
            }
            java.util.Arrays.sort(members, (a, b) -> Integer.compare(tokens[a].ids().length, tokens[b].ids().length));
            for (int start = 0; start < members.length; start += batchSize) {
                int end = Math.min(members.length, start + batchSize);
                int[] rows = new int[end - start];
                for (int i = start; i < end; i++) {
                    rows[i - start] = members[i];
                }
                batches.add(rows);
            }
        }
        java.util.Collections.shuffle(batches, random);
        return batches;
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
