package io.streamtune.trainer.training;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.HeadPolicy;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Example;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneKind;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.runtime.Backbone;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.CachingBackbone;
import io.streamtune.common.runtime.Classifier;
import io.streamtune.common.runtime.FeatureCache;

/**
 * The fast path of the learning core: a new head on a backbone that stays as it is, in seconds. The
 * backbone is the champion's when the champion brings fine-tuned weights for the task's configured
 * encoder and length (so a head-only challenger keeps the fine-tuned encoder), otherwise the frozen
 * pretrained encoder the task configures.
 *
 * <p>Features are cached per backbone ({@link FeatureCache}, keyed by the backbone's output
 * identity), so retraining on a sliding window computes only new examples', and scoring the same
 * holdout again costs nothing. Evaluation classifies through {@link Classifier} on the backbone from
 * {@link Backbones}, as the scorer does; only the features come from the cache.
 *
 * <p>Used by the trainer service (as its {@link Learner}) and by {@code streamtune evaluate}. Not
 * thread-safe: one caller at a time.
 */
public final class HeadLearner implements Learner {
    private static final Logger log = LoggerFactory.getLogger(HeadLearner.class);

    /** Inputs per backbone call: bounds memory and gives progress a useful granularity. */
    static final int CHUNK = 256;
    /** Feature caches kept (one per backbone in use): the champion's and a new one at a switch. */
    private static final int CACHES = 2;

    private final Backbones backbones;
    private final int cacheSize;
    private final double validationFraction;
    private final Map<BackboneRef.Key, FeatureCache> caches = new LinkedHashMap<>(4, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<BackboneRef.Key, FeatureCache> eldest) {
            return size() > CACHES;
        }
    };

    /**
     * @param backbones where backbones are opened (not owned)
     * @param cacheSize features cached per backbone; above window size + holdout, a sliding window is never re-encoded
     * @param validationFraction share of the training examples used for early stopping
     */
    public HeadLearner(Backbones backbones, int cacheSize, double validationFraction) {
        this.backbones = backbones;
        this.cacheSize = cacheSize;
        this.validationFraction = validationFraction;
    }

    @Override
    public Challenger train(TaskConfig task, ModelArtifact champion, List<Example> training) throws ArtifactException {
        try (Backbones.Lease lease = backboneFor(task, champion)) {
            HeadWeights head = trainHead(lease.backbone(), task.head(), task.labels(), Labelled.of(training), n -> {});
            return new Challenger(
                    lease.ref(),
                    head,
                    "head",
                    HeadTrainer.name(HeadTrainer.device(task.head().device())));
        }
    }

    @Override
    public ModelMetrics evaluate(TaskConfig task, ModelArtifact artifact, List<Example> holdout)
            throws ArtifactException {
        try (Classifier c = Classifier.open(artifact, backbones, task.maxSequenceLength())) {
            return evaluate(c, task.labels(), Labelled.of(holdout)).toMetrics();
        }
    }

    /**
     * The backbone a head-only challenger of {@code task} stands on: the champion's fine-tuned one when
     * it is for the configured encoder and length, else the frozen configured encoder.
     */
    public Backbones.Lease backboneFor(TaskConfig task, ModelArtifact champion) throws ArtifactException {
        if (champion != null) {
            BackboneRef ref = Classifier.resolve(champion.backbone(), task.maxSequenceLength());
            if (ref.isTuned()
                    && ref.kind() == BackboneKind.TEXT_ENCODER
                    && ref.id().equals(task.encoder())
                    && ref.maxSequenceLength() == task.maxSequenceLength()) {
                return backbones.acquire(ref);
            }
        }
        return backbones.frozenText(task.encoder(), task.maxSequenceLength());
    }

    /**
     * Trains a head on a backbone's features of {@code examples}.
     *
     * @param progress called after each chunk of features with the running count
     * @throws IllegalArgumentException if an example's label is not in {@code labels}
     */
    public HeadWeights trainHead(
            Backbone backbone, HeadPolicy policy, List<String> labels, List<Labelled> examples, LongConsumer progress) {
        int[] y = Labelled.labelIndices(labels, examples);
        long t0 = System.nanoTime();
        float[][] x = features(backbone, inputs(examples), progress);
        log.debug(
                "features of {} examples from {} in {} ms",
                examples.size(),
                backbone.key(),
                (System.nanoTime() - t0) / 1_000_000);
        return new HeadTrainer(policy, validationFraction).train(x, y, labels.size());
    }

    /** Features of {@code inputs} from the cache of {@code backbone}, computing misses in chunks. */
    public float[][] features(Backbone backbone, List<ModelInput> inputs, LongConsumer progress) {
        CachingBackbone cached =
                new CachingBackbone(backbone, caches.computeIfAbsent(backbone.key(), k -> new FeatureCache(cacheSize)));
        float[][] out = new float[inputs.size()][];
        for (int start = 0; start < inputs.size(); start += CHUNK) {
            int end = Math.min(inputs.size(), start + CHUNK);
            float[][] part = cached.features(inputs.subList(start, end));
            System.arraycopy(part, 0, out, start, part.length);
            progress.accept(end);
        }
        return out;
    }

    /** The cache of a backbone's features (created when missing). */
    public FeatureCache cache(BackboneRef.Key key) {
        return caches.computeIfAbsent(key, k -> new FeatureCache(cacheSize));
    }

    /**
     * Classifies a holdout with {@code c} (features from the cache) and compares with its labels.
     *
     * @throws IllegalArgumentException if {@code labels} differ from the classifier's or a holdout label is unknown
     */
    public Evaluation evaluate(Classifier c, List<String> labels, List<Labelled> holdout) {
        if (!c.artifact().meta().labels().equals(labels)) {
            throw new IllegalArgumentException("labels " + labels + " differ from the model's "
                    + c.artifact().meta().labels());
        }
        int[] truth = Labelled.labelIndices(labels, holdout);
        float[][] x = features(c.backbone(), inputs(holdout), n -> {});
        int[] predicted = new int[holdout.size()];
        for (int start = 0; start < x.length; start += CHUNK) {
            int end = Math.min(x.length, start + CHUNK);
            float[][] p = c.probabilities(java.util.Arrays.copyOfRange(x, start, end));
            for (int i = start; i < end; i++) {
                predicted[i] = argmax(p[i - start]);
            }
        }
        return Evaluation.of(labels, truth, predicted);
    }

    private static int argmax(float[] p) {
        int best = 0;
        for (int j = 1; j < p.length; j++) {
            if (p[j] > p[best]) {
                best = j;
            }
        }
        return best;
    }

    private static List<ModelInput> inputs(List<Labelled> examples) {
        List<ModelInput> out = new ArrayList<>(examples.size());
        for (Labelled e : examples) {
            out.add(e.input());
        }
        return out;
    }
}
