package io.streamtune.trainer.training;

import io.streamtune.common.model.Classification;
import io.streamtune.common.model.Classifier;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.nlp.TextEncoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains and evaluates a task's model from labelled texts: encode (callers pass a
 * {@link io.streamtune.common.nlp.CachingTextEncoder} so a sliding window re-encodes only new
 * texts), map labels to indices, train the head with {@link HeadTrainer}.
 *
 * <p>The single training path shared by the trainer service and {@code streamtune evaluate}.
 * Does not own the encoder.
 */
public final class TaskModelTrainer {

  private static final Logger LOG = LoggerFactory.getLogger(TaskModelTrainer.class);

  /** Texts per encode call: bounds memory and gives progress a useful granularity. */
  static final int ENCODE_CHUNK = 256;

  /** One labelled example. */
  public record LabelledText(String text, String label) {}

  private final TextEncoder encoder;
  private final TrainingOptions options;
  private final ClassWeighting weighting;

  /** A trainer with {@link ClassWeighting#BALANCED} class weights. */
  public TaskModelTrainer(TextEncoder encoder, TrainingOptions options) {
    this(encoder, options, ClassWeighting.BALANCED);
  }

  public TaskModelTrainer(TextEncoder encoder, TrainingOptions options, ClassWeighting weighting) {
    this.encoder = encoder;
    this.options = options;
    this.weighting = weighting;
  }

  public TextEncoder encoder() {
    return encoder;
  }

  public TrainingOptions options() {
    return options;
  }

  /**
   * Trains a head for the given ordered label set.
   *
   * @throws IllegalArgumentException if an example's label is not in {@code labels}
   */
  public HeadWeights train(List<String> labels, List<LabelledText> examples) {
    return train(labels, examples, done -> {});
  }

  /**
   * As {@link #train(List, List)}, reporting the number of texts encoded so far.
   *
   * @param progress called after each encoded chunk with the running count
   */
  public HeadWeights train(List<String> labels, List<LabelledText> examples, LongConsumer progress) {
    int[] y = indices(labels, examples);
    List<String> texts = new ArrayList<>(examples.size());
    for (LabelledText e : examples) {
      texts.add(e.text());
    }
    long t0 = System.nanoTime();
    float[][] x = encode(texts, progress);
    LOG.debug("encoded {} texts with {} in {} ms", texts.size(), encoder.id(), (System.nanoTime() - t0) / 1_000_000);
    return new HeadTrainer(options, weighting).train(x, y, labels.size());
  }

  /** Encodes in chunks, reporting progress after each. */
  public float[][] encode(List<String> texts, LongConsumer progress) {
    float[][] out = new float[texts.size()][];
    for (int start = 0; start < texts.size(); start += ENCODE_CHUNK) {
      int end = Math.min(texts.size(), start + ENCODE_CHUNK);
      float[][] part = encoder.encode(texts.subList(start, end));
      System.arraycopy(part, 0, out, start, part.length);
      progress.accept(end);
    }
    return out;
  }

  /**
   * Classifies the holdout with {@code c} and compares with its labels.
   *
   * @throws IllegalArgumentException if {@code labels} differ from the classifier's or a
   *     holdout label is unknown
   */
  public Evaluation evaluate(Classifier c, List<String> labels, List<LabelledText> holdout) {
    if (!c.artifact().meta().labels().equals(labels)) {
      throw new IllegalArgumentException(
          "labels " + labels + " differ from the model's " + c.artifact().meta().labels());
    }
    int[] truth = indices(labels, holdout);
    int[] predicted = new int[holdout.size()];
    for (int start = 0; start < holdout.size(); start += ENCODE_CHUNK) {
      int end = Math.min(holdout.size(), start + ENCODE_CHUNK);
      List<String> texts = new ArrayList<>(end - start);
      for (int i = start; i < end; i++) {
        texts.add(holdout.get(i).text());
      }
      List<Classification> r = c.classify(texts);
      for (int i = start; i < end; i++) {
        predicted[i] = r.get(i - start).labelIndex();
      }
    }
    return Evaluation.of(labels, truth, predicted);
  }

  private static int[] indices(List<String> labels, List<LabelledText> examples) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < labels.size(); i++) {
      index.put(labels.get(i), i);
    }
    int[] y = new int[examples.size()];
    for (int i = 0; i < y.length; i++) {
      Integer k = index.get(examples.get(i).label());
      if (k == null) {
        throw new IllegalArgumentException(
            "example " + i + " has label '" + examples.get(i).label() + "' not in " + labels);
      }
      y[i] = k;
    }
    return y;
  }
}
