package io.streamtune.common.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamtune.common.nlp.FakeEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelArtifactTest {

  private static final List<String> LABELS = List.of("negative", "positive");
  private final FakeEncoder encoder = new FakeEncoder(8);

  private ModelArtifact artifact(String kind) {
    return ModelArtifact.of(
        TestModels.meta("reviews", 3, LABELS, encoder.id(), encoder.checksum()),
        TestModels.randomHead(kind, 8, 5, 2, 7));
  }

  @Test
  void shouldRoundTripToIdenticalPredictions() throws Exception {
    for (String kind : List.of("linear", "mlp")) {
      ModelArtifact a = artifact(kind);
      ModelArtifact b = ModelArtifact.parse(a.toBytes());
      assertEquals(a.meta(), b.meta());
      assertEquals(a.payloadSha256(), b.payloadSha256());
      float[][] x = randomEmbeddings(50, 8, 1);
      try (Classifier ca = Classifier.load(a, encoder);
          Classifier cb = Classifier.load(b, encoder)) {
        float[][] pa = ca.probabilities(x);
        float[][] pb = cb.probabilities(x);
        for (int i = 0; i < x.length; i++) {
          assertArrayEquals(pa[i], pb[i], 0f, kind + " row " + i);
        }
      }
    }
  }

  @Test
  void shouldRoundTripMetadataIncludingNullsAndEncoderRef() throws Exception {
    ModelVersion m =
        new ModelVersion(1, "t", 1, null, "e", "c", LABELS, null, List.of(), 5L, null);
    ModelArtifact a =
        ModelArtifact.of(m, TestModels.randomHead("linear", 8, 0, 2, 1), new EncoderRef("s3://x", "ab"));
    ModelArtifact b = ModelArtifact.parse(a.toBytes());
    assertEquals(m, b.meta());
    assertEquals(new EncoderRef("s3://x", "ab"), b.encoderRef().orElseThrow());
  }

  @Test
  void shouldKeepMlp384x256x3WellUnderOneMegabyte() {
    ModelArtifact a =
        ModelArtifact.of(
            TestModels.meta("t", 1, List.of("a", "b", "c"), "e", "c"),
            TestModels.randomHead("mlp", 384, 256, 3, 1));
    assertTrue(a.sizeBytes() < 700_000, "size " + a.sizeBytes());
  }

  @Test
  void shouldRejectFlippedByteInWeights() {
    byte[] bytes = artifact("mlp").toBytes();
    int at = new String(bytes, StandardCharsets.UTF_8).indexOf("\"weight\":\"") + 20;
    bytes[at] = (byte) (bytes[at] == 'A' ? 'B' : 'A');
    ArtifactException e = assertThrows(ArtifactException.class, () -> ModelArtifact.parse(bytes));
    assertEquals(ArtifactException.Reason.CHECKSUM_MISMATCH, e.reason());
    assertTrue(e.getMessage().contains("reviews") && e.getMessage().contains("3"), e.getMessage());
  }

  @Test
  void shouldRejectEverySingleBitFlip() {
    byte[] original = artifact("linear").toBytes();
    for (int i = 0; i < original.length; i++) {
      byte[] bytes = original.clone();
      bytes[i] ^= 0x01;
      final int pos = i;
      ArtifactException e =
          assertThrows(
              ArtifactException.class, () -> ModelArtifact.parse(bytes), "flip at byte " + pos);
      assertTrue(
          e.reason() == ArtifactException.Reason.CHECKSUM_MISMATCH
              || e.reason() == ArtifactException.Reason.MALFORMED
              || e.reason() == ArtifactException.Reason.TRUNCATED
              || e.reason() == ArtifactException.Reason.UNSUPPORTED_FORMAT,
          "flip at " + pos + ": " + e.reason());
    }
  }

  @Test
  void shouldRejectTruncatedArtifact() {
    byte[] bytes = artifact("mlp").toBytes();
    for (int len : new int[] {0, 1, bytes.length / 2, bytes.length - 1}) {
      byte[] cut = Arrays.copyOf(bytes, len);
      ArtifactException e = assertThrows(ArtifactException.class, () -> ModelArtifact.parse(cut));
      assertEquals(ArtifactException.Reason.TRUNCATED, e.reason(), "length " + len);
    }
  }

  @Test
  void shouldRejectGarbageAsMalformed() {
    ArtifactException e =
        assertThrows(
            ArtifactException.class,
            () -> ModelArtifact.parse("not json at all".getBytes(StandardCharsets.UTF_8)));
    assertEquals(ArtifactException.Reason.MALFORMED, e.reason());
  }

  @Test
  void shouldRejectUnknownFormatVersion() {
    String json = new String(artifact("linear").toBytes(), StandardCharsets.UTF_8);
    String v2 = json.replace("\"formatVersion\":1,\"head\"", "\"formatVersion\":2,\"head\"");
    assertNotEquals(json, v2);
    ArtifactException e =
        assertThrows(
            ArtifactException.class,
            () -> ModelArtifact.parse(v2.getBytes(StandardCharsets.UTF_8)));
    assertEquals(ArtifactException.Reason.UNSUPPORTED_FORMAT, e.reason());
  }

  @Test
  void shouldRecomputeChecksumWithNewMeta() throws Exception {
    ModelArtifact a = artifact("linear");
    ModelVersion m = a.meta();
    ModelVersion rollback =
        new ModelVersion(m.formatVersion(), m.task(), 7, 3L, m.encoderId(), m.encoderChecksum(),
            m.labels(), m.metrics(), m.window(), m.createdAtMillis() + 1, "rollback of v3");
    ModelArtifact b = a.withMeta(rollback);
    assertNotEquals(a.payloadSha256(), b.payloadSha256());
    ModelArtifact parsed = ModelArtifact.parse(b.toBytes());
    assertEquals("rollback of v3", parsed.meta().note());
    assertArrayEquals(a.head().layers().get(0).weight(), parsed.head().layers().get(0).weight());
  }

  @Test
  void shouldStayImmutableWhenCallerMutatesHeadArrays() throws Exception {
    HeadWeights head = TestModels.randomHead("linear", 8, 0, 2, 1);
    ModelArtifact a = ModelArtifact.of(TestModels.meta("t", 1, LABELS, "fake", "00"), head);
    head.layers().get(0).weight()[0] = 1234f;
    a.head().layers().get(0).weight()[1] = 1234f;
    ModelArtifact.parse(a.toBytes()); // checksum still matches the bytes
    assertNotEquals(1234f, a.head().layers().get(0).weight()[0]);
    assertNotEquals(1234f, a.head().layers().get(0).weight()[1]);
  }

  @Test
  void shouldRejectLabelMismatch() {
    ArtifactException e =
        assertThrows(
            ArtifactException.class,
            () ->
                ArtifactChecks.checkCompatible(
                    artifact("linear"), "reviews", List.of("positive", "negative"), encoder));
    assertEquals(ArtifactException.Reason.LABEL_MISMATCH, e.reason());
  }

  @Test
  void shouldRejectOtherTaskAsLabelMismatchNamingTheTask() {
    ArtifactException e =
        assertThrows(
            ArtifactException.class,
            () -> ArtifactChecks.checkCompatible(artifact("linear"), "tweets", LABELS, encoder));
    assertEquals(ArtifactException.Reason.LABEL_MISMATCH, e.reason());
    assertTrue(e.getMessage().contains("tweets"));
  }

  @Test
  void shouldRejectEncoderMismatchOnIdAndOnChecksum() {
    ModelArtifact otherId =
        ModelArtifact.of(
            TestModels.meta("reviews", 3, LABELS, "bge-small-en-v1.5", "00"),
            TestModels.randomHead("linear", 8, 0, 2, 1));
    ModelArtifact otherSum =
        ModelArtifact.of(
            TestModels.meta("reviews", 3, LABELS, "fake", "ff"),
            TestModels.randomHead("linear", 8, 0, 2, 1));
    for (ModelArtifact a : List.of(otherId, otherSum)) {
      ArtifactException e =
          assertThrows(
              ArtifactException.class, () -> ArtifactChecks.checkCompatible(a, "reviews", LABELS, encoder));
      assertEquals(ArtifactException.Reason.ENCODER_MISMATCH, e.reason());
      assertThrows(ArtifactException.class, () -> Classifier.load(a, encoder));
    }
  }

  @Test
  void shouldRejectHeadOfWrongInputDimension() {
    ModelArtifact a =
        ModelArtifact.of(
            TestModels.meta("reviews", 3, LABELS, "fake", "00"),
            TestModels.randomHead("linear", 16, 0, 2, 1));
    ArtifactException e =
        assertThrows(
            ArtifactException.class, () -> ArtifactChecks.checkCompatible(a, "reviews", LABELS, encoder));
    assertEquals(ArtifactException.Reason.SHAPE_MISMATCH, e.reason());
  }

  @Test
  void shouldAcceptCompatibleArtifact() throws Exception {
    ArtifactChecks.checkCompatible(artifact("mlp"), "reviews", LABELS, encoder);
    assertEquals(2, artifact("mlp").head().outputDimension());
  }

  static float[][] randomEmbeddings(int n, int d, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][d];
    for (float[] row : x) {
      for (int k = 0; k < d; k++) {
        row[k] = (float) r.nextGaussian();
      }
    }
    return x;
  }
}
