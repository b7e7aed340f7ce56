package io.streamtune.trainer.training.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.streamtune.common.config.Limits;
import io.streamtune.common.config.TaskConfig;
import io.streamtune.common.event.Example;
import io.streamtune.common.hash.Sha256;
import io.streamtune.common.image.ImageException;
import io.streamtune.common.image.ImagePreprocessor;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactStore;
import io.streamtune.common.model.BackboneKind;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.Classification;
import io.streamtune.common.model.CnnArchitecture;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.ModelMetrics;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.Classifier;
import io.streamtune.common.runtime.InputRejectedException;
import io.streamtune.trainer.training.Challenger;
import io.streamtune.trainer.training.Evaluation;
import io.streamtune.trainer.training.HeadTrainer;
import io.streamtune.trainer.training.Learner;

/**
 * The learning core of an image task: on each window a whole CNN (ResNetV1 backbone + linear head,
 * {@link CnnTrainer}) is trained, from the champion's weights when the champion is a CNN of the task's
 * architecture and input (continuous fine-tuning: its first forward equals the champion's), else
 * from scratch or from {@code cnn.pretrained}. The challenger's backbone is a {@link BackboneRef} of
 * kind {@code image-cnn}, id {@code resnet-v1-<layers>}; its pack travels inline in the model record when it fits
 * {@code artifacts.inlineMaxBytes} (and the record), else it is put in the artifact store and the record points to
 * it by URI and SHA-256, as fine-tuned encoder weights do.
 *
 * <p>Evaluation opens the version through {@link Classifier#open} on {@link Backbones}, exactly as
 * the scorer does (decode, resize, normalise, one forward per chunk, head).
 *
 * <p>Not thread-safe: one caller at a time (the trainer's loop).
 */
public final class CnnLearner implements Learner {
    private static final Logger LOG = LoggerFactory.getLogger(CnnLearner.class);

    /** Holdout images per forward call. */
    static final int CHUNK = 128;

    /**
     * Bytes a model record needs besides its inline weights (metadata, metrics, the base64 head):
     * generous, a linear head on 64 or 2048 features for tens of labels is a few hundred KiB at most.
     */
    static final int RECORD_MARGIN_BYTES = 1 << 20;

    private final Backbones backbones;
    private final ArtifactStore store;
    private final long inlineLimit;

    /**
     * A learner whose packs always travel inline (refused when one does not fit a model record).
     *
     * @param backbones where versions are opened for evaluation and champions' weights read (not owned)
     */
    public CnnLearner(Backbones backbones) {
        this(backbones, null, Long.MAX_VALUE);
    }

    /**
     * @param backbones where versions are opened for evaluation and champions' weights read (not owned; it must read
     *     {@code store} for a champion whose pack is stored)
     * @param store where packs over {@code inlineMaxBytes} go; null when there is none (then such a pack is refused)
     * @param inlineMaxBytes packs up to this many bytes travel inline ({@code artifacts.inlineMaxBytes}); never more
     *     than {@link #maxInlinePackBytes} of a model record
     */
    public CnnLearner(Backbones backbones, ArtifactStore store, long inlineMaxBytes) {
        this.backbones = backbones;
        this.store = store;
        this.inlineLimit = Math.min(inlineMaxBytes, maxInlinePackBytes(Limits.MODEL_BYTES));
    }

    /**
     * The largest encoded pack that travels inline in a model record of {@code modelRecordBytes}: the
     * record carries it in base64 (4/3) beside {@link #RECORD_MARGIN_BYTES} of the rest.
     */
    public static long maxInlinePackBytes(int modelRecordBytes) {
        return (long) (modelRecordBytes - RECORD_MARGIN_BYTES) / 4 * 3;
    }

    @Override
    public Challenger train(TaskConfig task, ModelArtifact champion, List<Example> training) throws ArtifactException {
        CnnTrainer trainer =
                new CnnTrainer(task.image().spec(), task.cnn(), task.head().classWeights());
        CnnArchitecture arch = trainer.architecture();
        LabelledImages data = images(task, training);
        WarmStart warm = warmStart(task, arch, champion);
        CnnTrainingResult result;
        try {
            result = trainer.train(data, task.labels().size(), warm, null);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "tasks (" + task.name() + ").cnn.pretrained cannot be read: " + e.getMessage(), e);
        }
        byte[] encoded = result.backbone().encode();
        WeightsRef weights = weights(task, arch, encoded);
        BackboneRef ref = new BackboneRef(BackboneKind.IMAGE_CNN, arch.id(), "", 0, weights);
        LOG.info(
                "[{}] cnn challenger {} from {}: {} images, {} s, pack {} bytes {}",
                task.name(),
                arch.id(),
                result.start(),
                data.size(),
                String.format("%.1f", result.trainSeconds()),
                encoded.length,
                weights.isInline() ? "inline" : "in the artifact store as " + weights.uri());
        return new Challenger(ref, result.head(), "cnn", HeadTrainer.name(result.device()));
    }

    /**
     * Where an encoded pack travels: inline up to the limit, else in the store.
     *
     * @throws ArtifactException MISSING_WEIGHTS when the pack is over the limit and there is no store, or the store
     *     cannot write it
     */
    private WeightsRef weights(TaskConfig task, CnnArchitecture arch, byte[] encoded) throws ArtifactException {
        if (encoded.length <= inlineLimit) {
            return WeightsRef.inline(WeightsRef.Format.CNN, encoded);
        }
        String what = "the " + arch.id() + " backbone of task " + task.name() + " is " + encoded.length
                + " bytes encoded, over the " + inlineLimit + " that travel inline in a model record";
        if (store == null) {
            throw new ArtifactException(
                    ArtifactException.Reason.MISSING_WEIGHTS,
                    what + " (artifacts.inlineMaxBytes) and the trainer has no artifact store (artifacts.dir); choose"
                            + " fewer cnn.layers or a smaller image.size, or configure artifacts.dir");
        }
        try {
            return WeightsRef.stored(WeightsRef.Format.CNN, Sha256.hex(encoded), encoded.length, store.put(encoded));
        } catch (IOException e) {
            throw new ArtifactException(
                    ArtifactException.Reason.MISSING_WEIGHTS,
                    what + " and the artifact store " + store + " cannot write it: " + e.getMessage(),
                    e);
        }
    }

    /**
     * The champion's weights when they can seed this task's training (a CNN of the same architecture,
     * input and label count), else null (scratch or {@code cnn.pretrained}), with the reason logged.
     */
    WarmStart warmStart(TaskConfig task, CnnArchitecture arch, ModelArtifact champion) throws ArtifactException {
        if (champion == null) {
            return null;
        }
        BackboneRef ref = champion.backbone();
        if (ref.kind() != BackboneKind.IMAGE_CNN
                || ref.weights() == null
                || ref.weights().format() != WeightsRef.Format.CNN) {
            LOG.warn(
                    "[{}] champion v{} stands on {}, not a cnn: training from the start",
                    task.name(),
                    champion.meta().version(),
                    ref.key());
            return null;
        }
        TensorPack pack = backbones.weights(ref.weights());
        try {
            arch.requireSame(CnnArchitecture.of(pack));
        } catch (ArtifactException e) {
            LOG.warn(
                    "[{}] champion v{} cannot seed the configured cnn ({}): training from the start",
                    task.name(),
                    champion.meta().version(),
                    e.getMessage());
            return null;
        }
        if (champion.head().outputDimension() != task.labels().size()) {
            LOG.warn(
                    "[{}] champion v{} has {} outputs for {} labels: training from the start",
                    task.name(),
                    champion.meta().version(),
                    champion.head().outputDimension(),
                    task.labels().size());
            return null;
        }
        return new WarmStart(pack, champion.head());
    }

    /**
     * The window's images as the trainer takes them; an image that does not decode (the parser lets
     * none through) is skipped with a warning.
     *
     * @throws IllegalArgumentException when an example's label is not one of the task's
     */
    static LabelledImages images(TaskConfig task, List<Example> examples) {
        ImagePreprocessor pre =
                new ImagePreprocessor(task.image().spec(), task.image().maxPixels());
        Map<String, Integer> index = labelIndex(task.labels());
        List<byte[]> pixels = new ArrayList<>(examples.size());
        int[] labels = new int[examples.size()];
        int n = 0;
        for (Example e : examples) {
            Integer label = index.get(e.label());
            if (label == null) {
                throw new IllegalArgumentException(
                        "example " + e.id() + " has label '" + e.label() + "' not in " + task.labels());
            }
            try {
                pixels.add(pre.pixels(ImagePreprocessor.fromBase64(e.image())));
                labels[n++] = label;
            } catch (ImageException | RuntimeException ex) {
                LOG.warn("[{}] example {} skipped: {}", task.name(), e.id(), ex.getMessage());
            }
        }
        return new LabelledImages(task.image().spec(), pixels, java.util.Arrays.copyOf(labels, n));
    }

    @Override
    public ModelMetrics evaluate(TaskConfig task, ModelArtifact artifact, List<Example> holdout)
            throws ArtifactException {
        Map<String, Integer> index = labelIndex(task.labels());
        List<Integer> truth = new ArrayList<>(holdout.size());
        List<Integer> predicted = new ArrayList<>(holdout.size());
        try (Classifier c = Classifier.open(artifact, backbones, task.maxSequenceLength())) {
            for (int start = 0; start < holdout.size(); start += CHUNK) {
                List<Example> part = holdout.subList(start, Math.min(holdout.size(), start + CHUNK));
                List<ModelInput> inputs = part.stream().map(ModelInput::of).toList();
                List<Classification> out;
                try {
                    out = c.classify(inputs);
                } catch (InputRejectedException e) {
                    throw new IllegalStateException(
                            "holdout example " + part.get(e.index()).id() + " of task " + task.name()
                                    + " passed validation but " + e.getMessage(),
                            e);
                }
                for (int i = 0; i < part.size(); i++) {
                    truth.add(index.get(part.get(i).label()));
                    predicted.add(out.get(i).labelIndex());
                }
            }
        }
        return Evaluation.of(
                        task.labels(),
                        truth.stream().mapToInt(Integer::intValue).toArray(),
                        predicted.stream().mapToInt(Integer::intValue).toArray())
                .toMetrics();
    }

    private static Map<String, Integer> labelIndex(List<String> labels) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            index.put(labels.get(i), i);
        }
        return index;
    }
}
