package io.streamtune.common.model;

import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builders of small artifacts for tests. */
final class TestModels {
  private TestModels() {}

  static HeadWeights randomHead(String kind, int in, int hidden, int out, long seed) {
    Random r = new Random(seed);
    if ("linear".equals(kind)) {
      return new HeadWeights("linear", List.of(layer(in, out, r)));
    }
    return new HeadWeights("mlp", List.of(layer(in, hidden, r), layer(hidden, out, r)));
  }

  static HeadWeights.Layer layer(int in, int out, Random r) {
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

  static ModelVersion meta(String task, long version, List<String> labels, String encoderId, String checksum) {
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
}
