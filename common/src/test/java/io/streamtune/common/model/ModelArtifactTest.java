package io.streamtune.common.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import io.streamtune.common.config.Modality;
import io.streamtune.common.nlp.FakeEncoder;
import io.streamtune.common.runtime.Backbones;
import io.streamtune.common.runtime.Classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelArtifactTest {

    private static final List<String> LABELS = List.of("negative", "positive");
    private final FakeEncoder encoder = new FakeEncoder(8);

    private Backbones backbones() {
        return Backbones.create((id, length) -> encoder, null);
    }

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
            try (Backbones pool = backbones();
                    Classifier ca = Classifier.open(a, pool, 16);
                    Classifier cb = Classifier.open(b, pool, 16)) {
                float[][] pa = ca.probabilities(x);
                float[][] pb = cb.probabilities(x);
                for (int i = 0; i < x.length; i++) {
                    assertArrayEquals(pa[i], pb[i], 0f, kind + " row " + i);
                }
            }
        }
    }

    @Test
    void shouldRoundTripMetadataIncludingNullsAndTheBackboneWithItsWeights() throws Exception {
        ModelVersion m = new ModelVersion(
                ModelVersion.FORMAT_VERSION, "t", 1, null, "e", "c", LABELS, null, List.of(), 5L, null);
        byte[] pack = TensorPack.builder()
                .attribute("mode", "lora")
                .tensor("x", new int[] {2}, new float[] {1, 2})
                .build()
                .encode();
        BackboneRef inline = BackboneRef.text("e", "c", 96, WeightsRef.inline(WeightsRef.Format.LORA, pack));
        BackboneRef stored = BackboneRef.text(
                "e",
                "c",
                96,
                WeightsRef.stored(WeightsRef.Format.FULL, "ab".repeat(32), 123_456_789L, "blob:" + "ab".repeat(32)));
        for (BackboneRef ref : List.of(inline, stored, BackboneRef.text("e", "c", 64, null))) {
            ModelArtifact a = ModelArtifact.of(m, ref, TestModels.randomHead("linear", 8, 0, 2, 1));
            ModelArtifact b = ModelArtifact.parse(a.toBytes());
            assertEquals(m, b.meta());
            assertEquals(ref, b.backbone());
            assertEquals(ref.key(), b.backbone().key());
        }
        ModelArtifact withPack =
                ModelArtifact.parse(ModelArtifact.of(m, inline, TestModels.randomHead("linear", 8, 0, 2, 1))
                        .toBytes());
        assertArrayEquals(pack, withPack.backbone().weights().inline());
    }

    @Test
    void shouldLoadAVersionOneArtifactOnTheFrozenEncoderItsMetadataNames() throws Exception {
        // A version-1 artifact as the previous release wrote it: no backbone, encoderRef null.
        ModelArtifact current = artifact("linear");
        ObjectNode v1 = (ObjectNode) new ObjectMapper().readTree(current.toBytes());
        v1.remove("payloadSha256");
        v1.remove("backbone");
        v1.putNull("encoderRef");
        v1.put("formatVersion", 1);
        ((ObjectNode) v1.get("meta")).put("formatVersion", 1);
        v1.put("payloadSha256", ModelArtifact.sha256(ModelArtifact.canonical(v1)));
        ModelArtifact old = ModelArtifact.parse(ModelArtifact.canonical(v1));
        assertEquals(BackboneRef.text(encoder.id(), encoder.checksum(), 0, null), old.backbone());
        assertEquals(1, old.meta().formatVersion());
        try (Backbones pool = backbones();
                Classifier c = Classifier.open(old, pool, 16)) {
            assertEquals(
                    16, c.backbone().key().maxSequenceLength(), "the task's length applies to a version-1 artifact");
        }
        ModelArtifact rewritten = old.withMeta(old.meta());
        assertEquals(
                ModelVersion.FORMAT_VERSION,
                ModelArtifact.parse(rewritten.toBytes()).meta().formatVersion(),
                "a version-1 artifact published again (rollback) is written in the current format");
    }

    @Test
    void shouldKeepMlp384x256x3WellUnderOneMegabyte() {
        ModelArtifact a = ModelArtifact.of(
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
                    assertThrows(ArtifactException.class, () -> ModelArtifact.parse(bytes), "flip at byte " + pos);
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
        ArtifactException e = assertThrows(
                ArtifactException.class, () -> ModelArtifact.parse("not json at all".getBytes(StandardCharsets.UTF_8)));
        assertEquals(ArtifactException.Reason.MALFORMED, e.reason());
    }

    @Test
    void shouldRejectUnknownFormatVersion() {
        String json = new String(artifact("linear").toBytes(), StandardCharsets.UTF_8);
        String v2 = json.replace("\"formatVersion\":2,\"head\"", "\"formatVersion\":3,\"head\"");
        assertNotEquals(json, v2);
        ArtifactException e =
                assertThrows(ArtifactException.class, () -> ModelArtifact.parse(v2.getBytes(StandardCharsets.UTF_8)));
        assertEquals(ArtifactException.Reason.UNSUPPORTED_FORMAT, e.reason());
    }

    @Test
    void shouldRecomputeChecksumWithNewMeta() throws Exception {
        ModelArtifact a = artifact("linear");
        ModelVersion m = a.meta();
        ModelVersion rollback = new ModelVersion(
                m.formatVersion(),
                m.task(),
                7,
                3L,
                m.encoderId(),
                m.encoderChecksum(),
                m.labels(),
                m.metrics(),
                m.window(),
                m.createdAtMillis() + 1,
                "rollback of v3");
        ModelArtifact b = a.withMeta(rollback);
        assertNotEquals(a.payloadSha256(), b.payloadSha256());
        ModelArtifact parsed = ModelArtifact.parse(b.toBytes());
        assertEquals("rollback of v3", parsed.meta().note());
        assertArrayEquals(
                a.head().layers().get(0).weight(), parsed.head().layers().get(0).weight());
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
        ArtifactException e = assertThrows(
                ArtifactException.class,
                () -> ArtifactChecks.checkFitsTask(
                        artifact("linear"), "reviews", List.of("positive", "negative"), Modality.TEXT));
        assertEquals(ArtifactException.Reason.LABEL_MISMATCH, e.reason());
    }

    @Test
    void shouldRejectOtherTaskAsLabelMismatchNamingTheTask() {
        ArtifactException e = assertThrows(
                ArtifactException.class,
                () -> ArtifactChecks.checkFitsTask(artifact("linear"), "tweets", LABELS, Modality.TEXT));
        assertEquals(ArtifactException.Reason.LABEL_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("tweets"));
    }

    @Test
    void shouldRejectATextBackboneForAnImageTask() {
        ArtifactException e = assertThrows(
                ArtifactException.class,
                () -> ArtifactChecks.checkFitsTask(artifact("linear"), "reviews", LABELS, Modality.IMAGE));
        assertEquals(ArtifactException.Reason.ENCODER_MISMATCH, e.reason());
    }

    @Test
    void shouldRejectAnotherEncoderChecksumAndAnUnknownEncoderWhenOpening() throws Exception {
        ModelArtifact otherSum = ModelArtifact.of(
                TestModels.meta("reviews", 3, LABELS, "fake", "ff"), TestModels.randomHead("linear", 8, 0, 2, 1));
        try (Backbones pool = backbones()) {
            ArtifactException e = assertThrows(ArtifactException.class, () -> Classifier.open(otherSum, pool, 16));
            assertEquals(ArtifactException.Reason.ENCODER_MISMATCH, e.reason());
            assertTrue(e.getMessage().contains("ff"), e.getMessage());
        }
        ModelArtifact unknownId = ModelArtifact.of(
                TestModels.meta("reviews", 3, LABELS, "no-such-encoder", "00"),
                TestModels.randomHead("linear", 8, 0, 2, 1));
        try (Backbones pool = Backbones.opening(1, null)) {
            ArtifactException e = assertThrows(ArtifactException.class, () -> Classifier.open(unknownId, pool, 16));
            assertEquals(ArtifactException.Reason.UNSUPPORTED_BACKBONE, e.reason());
            assertTrue(e.getMessage().contains("no-such-encoder"), e.getMessage());
        }
    }

    @Test
    void shouldRejectHeadOfWrongInputDimensionWhenOpening() throws Exception {
        ModelArtifact a = ModelArtifact.of(
                TestModels.meta("reviews", 3, LABELS, "fake", "00"), TestModels.randomHead("linear", 16, 0, 2, 1));
        try (Backbones pool = backbones()) {
            ArtifactException e = assertThrows(ArtifactException.class, () -> Classifier.open(a, pool, 16));
            assertEquals(ArtifactException.Reason.SHAPE_MISMATCH, e.reason());
            assertTrue(pool.openKeys().size() == 1, "the frozen backbone stays for the next version");
        }
    }

    @Test
    void shouldAcceptCompatibleArtifact() throws Exception {
        ArtifactChecks.checkFitsTask(artifact("mlp"), "reviews", LABELS, Modality.TEXT);
        assertEquals(2, artifact("mlp").head().outputDimension());
    }

    static float[][] randomEmbeddings(int n, int d, long seed) {
        return TestModels.randomEmbeddings(n, d, seed);
    }
}
