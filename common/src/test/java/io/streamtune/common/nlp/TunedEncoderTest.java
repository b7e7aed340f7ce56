package io.streamtune.common.nlp;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.TensorPack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The serving side of fine-tuned weights: ONNX Runtime with initializers overridden. */
public class TunedEncoderTest {

    public static final String ID = "all-minilm-l6-v2";
    static final List<String> TEXTS = List.of("The room was clean.", "Shares fall after the warning");
    static BertWeights base;

    @BeforeAll
    static void load() throws Exception {
        base = BertWeights.load(ID);
    }

    /** BitFit weights equal to the base biases, with one output bias of the last layer shifted by {@code shift}. */
    static TensorPack bitfit(float shift) {
        return bitfit(base, shift);
    }

    /** As {@link #bitfit(float)} over {@code base}, the weights of {@link #ID}. */
    public static TensorPack bitfit(BertWeights base, float shift) {
        TensorPack.Builder b = TensorPack.builder()
                .attribute(FinetunedWeights.MODE, "bitfit")
                .attribute(FinetunedWeights.BASE_ENCODER, ID)
                .attribute(FinetunedWeights.BASE_SHA256, base.sha256());
        for (String n : base.biasNames()) {
            float[] v = base.tensor(n).values().clone();
            if (n.equals("encoder.layer.5.output.LayerNorm.bias")) {
                for (int i = 0; i < v.length; i++) {
                    v[i] += shift;
                }
            }
            b.tensor(n, base.tensor(n).shape(), v);
        }
        return b.build();
    }

    @Test
    void shouldServeTheBaseWhenWeightsEqualItAndOtherEmbeddingsWhenTheyDiffer() throws Exception {
        float[][] frozen;
        String frozenSha;
        try (TextEncoder e = Encoders.open(ID, 64, 1)) {
            frozen = e.encode(TEXTS);
            frozenSha = e.checksum();
        }
        TensorPack same = bitfit(0f);
        TensorPack shifted = bitfit(0.5f);
        try (TextEncoder a = Encoders.open(ID, 64, 1, same);
                TextEncoder b = Encoders.open(ID, 64, 1, shifted)) {
            float[][] va = a.encode(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) {
                assertArrayEquals(frozen[i], va[i], 1e-6f);
            }
            float[][] vb = b.encode(TEXTS);
            double diff = 0;
            for (int k = 0; k < vb[0].length; k++) {
                diff = Math.max(diff, Math.abs(vb[0][k] - frozen[0][k]));
            }
            assertTrue(diff > 1e-3, "overridden bias changed nothing: " + diff);
            // Checksums: never the frozen one, one per pack, and the documented formula.
            assertNotEquals(frozenSha, a.checksum());
            assertNotEquals(a.checksum(), b.checksum());
            assertEquals(Encoders.tunedChecksum(frozenSha, same.sha256()), a.checksum());
            assertEquals(ID, a.id());
        }
    }

    @Test
    void shouldOpenTheFrozenEncoderWithoutWeights() throws Exception {
        try (TextEncoder e = Encoders.open(ID, 64, 1, null)) {
            assertEquals(EncoderFiles.onnx(ID).sha256(), e.checksum());
        }
    }

    @Test
    void shouldRefuseWeightsForAnotherBaseThroughTheFactory() {
        ArtifactException e =
                assertThrows(ArtifactException.class, () -> Encoders.open("bge-small-en-v1.5", 64, 1, bitfit(0f)));
        assertEquals(ArtifactException.Reason.ENCODER_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains(ID), e.getMessage());
    }
}
