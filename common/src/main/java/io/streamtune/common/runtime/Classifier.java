package io.streamtune.common.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;

/**
 * One model version ready to classify: the downstream-task model = its backbone (held through a
 * {@link Backbones.Lease}) + its head. The head runs on DJL's PyTorch engine. The trainer's gate,
 * the scorer and {@code evaluate} all classify through this class, on backbones from
 * {@link Backbones}: what is measured is what is served.
 *
 * <p>Thread-safe: the head's weights are read-only native arrays in a long-lived manager;
 * every call computes in its own short-lived sub-manager, closed before it returns, so nothing
 * per call stays attached to the long-lived one. {@link #close()} releases the head and the
 * backbone lease.
 *
 * <pre>{@code
 * try (Classifier c = Classifier.open(ModelArtifact.parse(bytes), backbones, 128)) {
 *   Classification r = c.classify(ModelInput.texts(List.of("great stay"))).get(0);
 *   r.label(); r.scores();
 * }
 * }</pre>
 */
public final class Classifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Classifier.class);

    /** Engine named explicitly: with ONNX Runtime and tokenizers present DJL would guess. */
    public static final String ENGINE = "PyTorch";

    private final ModelArtifact artifact;
    private final Backbones.Lease lease;
    private final Backbone backbone;
    private final NDManager manager;
    private final List<NDArray> weights = new ArrayList<>();
    private final List<NDArray> biases = new ArrayList<>();
    private final List<String> labels;
    private final int inputDimension;
    private volatile boolean closed;

    private Classifier(ModelArtifact artifact, Backbones.Lease lease, Device device) {
        this.artifact = artifact;
        this.lease = lease;
        this.backbone = lease.backbone();
        this.labels = artifact.meta().labels();
        HeadWeights head = artifact.head();
        this.inputDimension = head.inputDimension();
        this.manager = Engine.getEngine(ENGINE).newBaseManager(device);
        manager.setName(
                "classifier-" + artifact.meta().task() + "-v" + artifact.meta().version());
        for (HeadWeights.Layer l : head.layers()) {
            weights.add(manager.create(l.weight(), new Shape(l.in(), l.out())));
            biases.add(manager.create(l.bias(), new Shape(l.out())));
        }
    }

    /**
     * Starts loading the heads' engine (PyTorch's native library: seconds on a cold start) on a daemon thread
     * and returns at once, so a service's start overlaps it with opening its encoders on ONNX Runtime instead
     * of paying for both in turn before its first version serves. A failure here is only logged at DEBUG: the
     * first {@link #open} meets it again and reports it.
     */
    public static void preloadEngine() {
        Thread t = new Thread(
                () -> {
                    long t0 = System.nanoTime();
                    try {
                        Engine.getEngine(ENGINE);
                        LOG.debug("{} engine loaded in {} ms", ENGINE, (System.nanoTime() - t0) / 1_000_000);
                    } catch (RuntimeException | Error e) {
                        LOG.debug("{} engine preload failed: {}", ENGINE, e.toString());
                    }
                },
                "engine-preload");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Opens a model version for serving on CPU: acquires its backbone and checks that the head fits it.
     *
     * @param defaultSequenceLength the task's configured length, used for a text backbone whose
     *     artifact does not record one (format 1)
     * @throws ArtifactException from {@link Backbones#acquire} (ENCODER_MISMATCH, MISSING_WEIGHTS,
     *     CHECKSUM_MISMATCH, UNSUPPORTED_BACKBONE), or SHAPE_MISMATCH when the head does not fit
     */
    public static Classifier open(ModelArtifact artifact, Backbones backbones, int defaultSequenceLength)
            throws ArtifactException {
        return open(artifact, backbones, defaultSequenceLength, Device.cpu());
    }

    /** As {@link #open(ModelArtifact, Backbones, int)}, with the head on a chosen device. */
    public static Classifier open(ModelArtifact artifact, Backbones backbones, int defaultSequenceLength, Device device)
            throws ArtifactException {
        Backbones.Lease lease = backbones.acquire(resolve(artifact.backbone(), defaultSequenceLength));
        try {
            checkHead(artifact, lease.backbone());
            Classifier c = new Classifier(artifact, lease, device);
            LOG.debug("loaded {} on {}", artifact, device);
            return c;
        } catch (ArtifactException | RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /** The backbone a version names, with a text backbone's missing sequence length (format 1) set. */
    public static BackboneRef resolve(BackboneRef ref, int defaultSequenceLength) {
        return ref.maxSequenceLength() == 0 && ref.kind() == io.streamtune.common.model.BackboneKind.TEXT_ENCODER
                ? ref.withMaxSequenceLength(defaultSequenceLength)
                : ref;
    }

    private static void checkHead(ModelArtifact a, Backbone backbone) throws ArtifactException {
        HeadWeights h = a.head();
        String where = " (task " + a.meta().task() + ", version " + a.meta().version() + ")";
        if (h.inputDimension() != backbone.dimension()) {
            throw new ArtifactException(
                    ArtifactException.Reason.SHAPE_MISMATCH,
                    "head takes " + h.inputDimension() + " inputs, backbone " + backbone.key() + " gives "
                            + backbone.dimension() + where);
        }
        if (h.outputDimension() != a.meta().labels().size()) {
            throw new ArtifactException(
                    ArtifactException.Reason.SHAPE_MISMATCH,
                    "head has " + h.outputDimension() + " outputs for "
                            + a.meta().labels().size() + " labels" + where);
        }
    }

    public ModelArtifact artifact() {
        return artifact;
    }

    /** The backbone this version runs on. */
    public Backbone backbone() {
        return backbone;
    }

    /**
     * Classifies a batch: backbone features in one call, then the head; one result per input, in order.
     *
     * @throws InputRejectedException when one input cannot be used (it names which)
     */
    public List<Classification> classify(List<ModelInput> inputs) {
        if (inputs.isEmpty()) {
            return List.of();
        }
        return classifyEmbeddings(backbone.features(inputs));
    }

    /** Classifies features already computed by this version's backbone. */
    public List<Classification> classifyEmbeddings(float[][] embeddings) {
        if (embeddings.length == 0) {
            return List.of();
        }
        float[][] probs = probabilities(embeddings);
        List<Classification> out = new ArrayList<>(probs.length);
        for (float[] p : probs) {
            int best = 0;
            Map<String, Double> scores = new LinkedHashMap<>();
            for (int j = 0; j < p.length; j++) {
                scores.put(labels.get(j), (double) p[j]);
                if (p[j] > p[best]) {
                    best = j;
                }
            }
            out.add(new Classification(labels.get(best), best, scores));
        }
        return out;
    }

    /** Softmax probabilities, {@code [n][labels]}. */
    public float[][] probabilities(float[][] embeddings) {
        if (closed) {
            throw new IllegalStateException("classifier " + artifact + " is closed");
        }
        int n = embeddings.length;
        float[] flat = new float[n * inputDimension];
        for (int i = 0; i < n; i++) {
            if (embeddings[i].length != inputDimension) {
                throw new IllegalArgumentException(
                        "embedding " + i + " has " + embeddings[i].length + " values, head takes " + inputDimension);
            }
            System.arraycopy(embeddings[i], 0, flat, i * inputDimension, inputDimension);
        }
        float[] result;
        // Results of ops take the manager of their left operand, so every chain starts from x
        // (in the sub-manager) and nothing lands in the long-lived manager.
        try (NDManager call = manager.newSubManager()) {
            NDArray h = call.create(flat, new Shape(n, inputDimension));
            for (int i = 0; i < weights.size(); i++) {
                h = h.matMul(weights.get(i)).add(biases.get(i));
                if (i < weights.size() - 1) {
                    h = h.maximum(0f);
                }
            }
            result = h.softmax(1).toFloatArray();
        }
        int k = labels.size();
        float[][] out = new float[n][k];
        for (int i = 0; i < n; i++) {
            System.arraycopy(result, i * k, out[i], 0, k);
        }
        return out;
    }

    /**
     * Native arrays currently held by this classifier's manager, sub-managers included: the
     * head's weights and biases, plus anything a call leaked. For leak checks and diagnostics.
     */
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
        lease.close();
    }
}
