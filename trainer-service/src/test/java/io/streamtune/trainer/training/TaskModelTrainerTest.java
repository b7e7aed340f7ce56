package io.streamtune.trainer.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamtune.common.model.ArtifactChecks;
import io.streamtune.common.model.Classifier;
import io.streamtune.common.model.HeadWeights;
import io.streamtune.common.model.ModelArtifact;
import io.streamtune.common.model.ModelVersion;
import io.streamtune.common.nlp.CachingTextEncoder;
import io.streamtune.common.nlp.EmbeddingCache;
import io.streamtune.common.nlp.Encoders;
import io.streamtune.common.nlp.TextEncoder;
import io.streamtune.trainer.training.TaskModelTrainer.LabelledText;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** End to end on a real (int8 MiniLM) encoder: texts to a served, checked model. */
class TaskModelTrainerTest {

  private static final List<String> LABELS = List.of("negative", "positive");
  private static TextEncoder encoder;

  @BeforeAll
  static void open() throws Exception {
    encoder = Encoders.open("all-minilm-l6-v2-q");
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  private static List<LabelledText> reviews(int seed) {
    String[] good = {"wonderful", "excellent", "great", "lovely", "fantastic", "delightful"};
    String[] bad = {"terrible", "awful", "horrible", "dreadful", "disgusting", "miserable"};
    String[] things = {"room", "staff", "breakfast", "service", "view", "bed", "movie", "food"};
    List<LabelledText> out = new ArrayList<>();
    for (int i = 0; i < things.length; i++) {
      String t = things[(i + seed) % things.length];
      out.add(new LabelledText("The " + t + " was " + good[(i + seed) % good.length] + ".", "positive"));
      out.add(new LabelledText("The " + t + " was " + bad[(i + seed) % bad.length] + ".", "negative"));
      out.add(new LabelledText("I really loved the " + t + ", " + good[(i + 2 * seed) % good.length] + "!", "positive"));
      out.add(new LabelledText("I hated the " + t + ", simply " + bad[(i + 2 * seed) % bad.length] + ".", "negative"));
    }
    return out;
  }

  @Test
  void shouldTrainServeAndEvaluateThroughTheArtifact() throws Exception {
    EmbeddingCache cache = new EmbeddingCache(1000);
    try (CachingTextEncoder cached = CachingTextEncoder.wrapping(encoder, cache)) {
      TaskModelTrainer trainer =
          new TaskModelTrainer(cached, TrainingOptions.defaults().withDevice("cpu"));
      List<LabelledText> train = reviews(0);
      HeadWeights head = trainer.train(LABELS, train);
      assertEquals(train.size(), cache.misses());
      trainer.train(LABELS, train);
      assertEquals(train.size(), cache.hits(), "retraining on the same window must not re-encode");

      ModelVersion meta =
          new ModelVersion(ModelVersion.FORMAT_VERSION, "reviews", 1, null, encoder.id(),
              encoder.checksum(), LABELS, null, List.of(), 0L, null);
      ModelArtifact artifact = ModelArtifact.parse(ModelArtifact.of(meta, head).toBytes());
      ArtifactChecks.checkCompatible(artifact, "reviews", LABELS, encoder);
      try (Classifier c = Classifier.load(artifact, encoder)) {
        Evaluation e = trainer.evaluate(c, LABELS, reviews(3));
        assertTrue(e.accuracy() >= 0.9, e.report());
      }
    }
  }

  @Test
  void shouldRejectExampleWithUnknownLabel() {
    TaskModelTrainer trainer = new TaskModelTrainer(encoder, TrainingOptions.defaults());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> trainer.train(LABELS, List.of(new LabelledText("meh", "neutral"))));
    assertTrue(e.getMessage().contains("neutral"));
  }
}
