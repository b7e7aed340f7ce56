package io.streamtune.common.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.streamtune.common.nlp.TextEncoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one model version: encoder + head. The head runs on DJL's PyTorch engine.
 *
 * <p>Thread-safe: the head's weights are read-only native arrays in a long-lived manager;
 * every call computes in its own short-lived sub-manager, closed before it returns, so nothing
 * per call stays attached to the long-lived one. {@link #close()} releases the head but not
 * the encoder: encoders are shared across versions and closed by whoever opened them.
 *
 * <pre>{@code
 * try (Classifier c = Classifier.load(ModelArtifact.parse(bytes), encoder)) {
 *   Classification r = c.classify(List.of("great stay")).get(0);
 *   r.label(); r.scores();
 * }
 * }</pre>
 */
public final class Classifier implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Classifier.class);

  /** Engine named explicitly: with ONNX Runtime and tokenizers present DJL would guess. */
  public static final String ENGINE = "PyTorch";

  private final ModelArtifact artifact;
  private final TextEncoder encoder;
  private final NDManager manager;
  private final List<NDArray> weights = new ArrayList<>();
  private final List<NDArray> biases = new ArrayList<>();
  private final List<String> labels;
  private final int inputDimension;
  private volatile boolean closed;

  private Classifier(ModelArtifact artifact, TextEncoder encoder, Device device) {
    this.artifact = artifact;
    this.encoder = encoder;
    this.labels = artifact.meta().labels();
    HeadWeights head = artifact.head();
    this.inputDimension = head.inputDimension();
    this.manager = Engine.getEngine(ENGINE).newBaseManager(device);
    manager.setName("classifier-" + artifact.meta().task() + "-v" + artifact.meta().version());
    for (HeadWeights.Layer l : head.layers()) {
      weights.add(manager.create(l.weight(), new Shape(l.in(), l.out())));
      biases.add(manager.create(l.bias(), new Shape(l.out())));
    }
  }

  /**
   * Loads a model version for serving on CPU, after checking it fits the encoder.
   *
   * @throws ArtifactException ENCODER_MISMATCH or SHAPE_MISMATCH
   */
  public static Classifier load(ModelArtifact artifact, TextEncoder encoder)
      throws ArtifactException {
    return load(artifact, encoder, Device.cpu());
  }

  /** As {@link #load(ModelArtifact, TextEncoder)} on a chosen device. */
  public static Classifier load(ModelArtifact artifact, TextEncoder encoder, Device device)
      throws ArtifactException {
    ArtifactChecks.checkEncoder(artifact, encoder);
    Classifier c = new Classifier(artifact, encoder, device);
    LOG.debug("loaded {} on {}", artifact, device);
    return c;
  }

  public ModelArtifact artifact() {
    return artifact;
  }

  /** Encodes and classifies texts, one result per text in order. */
  public List<Classification> classify(List<String> texts) {
    if (texts.isEmpty()) {
      return List.of();
    }
    return classifyEmbeddings(encoder.encode(texts));
  }

  /** Classifies embeddings already computed by the same encoder. */
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
            "embedding " + i + " has " + embeddings[i].length + " values, head takes "
                + inputDimension);
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
  }
}
