package io.streamtune.common.nlp;

import java.util.EnumSet;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.streamtune.common.config.LoraTarget;
import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.ArtifactException.Reason;
import io.streamtune.common.model.TensorPack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract of fine-tuned weights: LoRA merge arithmetic and every refusal. */
class FinetunedWeightsTest {

    static final String ID = "all-minilm-l6-v2";
    static BertWeights base;

    @BeforeAll
    static void load() throws Exception {
        base = BertWeights.load(ID);
    }

    @Test
    void shouldMergeLoraAsWPlusScaleTimesAB() {
        // W [2,3], A [2,1], B [1,3], scale 0.5: W' = W + 0.5 * A B
        float[] w = {1, 2, 3, 4, 5, 6};
        float[] a = {2, -1};
        float[] b = {1, 0, 3};
        assertArrayEquals(new float[] {2, 2, 6, 3.5f, 5, 4.5f}, FinetunedWeights.mergeLora(w, a, b, 2, 3, 1, 0.5));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w, "W must not be modified");
    }

    @Test
    void shouldOverrideEveryAdaptedMatrixWithTheMergedOne() throws Exception {
        TensorPack pack = lora(4, 8.0, EnumSet.of(LoraTarget.VALUE), 0.01f);
        Map<String, TensorPack.Tensor> overrides = FinetunedWeights.overrides(pack, ID, base);
        assertEquals(base.config().layers(), overrides.size());
        String module = BertWeights.module(2, LoraTarget.VALUE);
        float[] merged =
                overrides.get(base.onnxName(BertWeights.matrix(module))).values();
        float[] w = base.tensor(BertWeights.matrix(module)).values();
        // every A and B entry is 0.01, rank 4, scale 8/4: each entry grows by 2 * 4 * 0.01 * 0.01
        assertEquals(w[123] + 2 * 4 * 1e-4, merged[123], 1e-6);
    }

    @Test
    void shouldRefuseWeightsOfAnotherEncoderOrAnotherFileOfIt() {
        TensorPack other = bitfit().attribute(FinetunedWeights.BASE_ENCODER, "bge-small-en-v1.5")
                .build();
        ArtifactException e = assertThrows(ArtifactException.class, () -> FinetunedWeights.check(other, ID, base));
        assertEquals(Reason.ENCODER_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("bge-small-en-v1.5"), e.getMessage());
        TensorPack stale =
                bitfit().attribute(FinetunedWeights.BASE_SHA256, "0".repeat(64)).build();
        e = assertThrows(ArtifactException.class, () -> FinetunedWeights.check(stale, ID, base));
        assertEquals(Reason.ENCODER_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void shouldNameAMissingAMisshapedAndAnUnknownTensor() {
        String missing = "encoder.layer.3.output.dense.bias";
        TensorPack.Builder b = bitfit();
        TensorPack.Builder without = TensorPack.builder();
        b.build().attributes().forEach(without::attribute);
        b.build().tensors().forEach((n, t) -> {
            if (!n.equals(missing)) {
                without.tensor(n, t);
            }
        });
        ArtifactException e =
                assertThrows(ArtifactException.class, () -> FinetunedWeights.check(without.build(), ID, base));
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains(missing), e.getMessage());

        TensorPack misshaped =
                bitfit().tensor(missing, new int[] {3}, new float[3]).build();
        e = assertThrows(ArtifactException.class, () -> FinetunedWeights.check(misshaped, ID, base));
        assertEquals(Reason.SHAPE_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains(missing) && e.getMessage().contains("[384]"), e.getMessage());

        TensorPack unknown = bitfit().tensor("encoder.layer.0.output.dense.weight", new int[] {1}, new float[1])
                .build();
        e = assertThrows(ArtifactException.class, () -> FinetunedWeights.check(unknown, ID, base));
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("encoder.layer.0.output.dense.weight"), e.getMessage());
    }

    @Test
    void shouldRefuseABadModeAndBadLoraAttributes() {
        ArtifactException e = assertThrows(
                ArtifactException.class,
                () -> FinetunedWeights.check(
                        bitfit().attribute(FinetunedWeights.MODE, "adapter").build(), ID, base));
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("adapter"));
        TensorPack noRank = copy(lora(4, 8, EnumSet.of(LoraTarget.QUERY), 0f))
                .attribute(FinetunedWeights.LORA_RANK, "four")
                .build();
        e = assertThrows(ArtifactException.class, () -> FinetunedWeights.check(noRank, ID, base));
        assertTrue(e.getMessage().contains(FinetunedWeights.LORA_RANK), e.getMessage());
        TensorPack badTarget = copy(lora(4, 8, EnumSet.of(LoraTarget.QUERY), 0f))
                .attribute(FinetunedWeights.LORA_TARGETS, "query,gate")
                .build();
        e = assertThrows(ArtifactException.class, () -> FinetunedWeights.check(badTarget, ID, base));
        assertTrue(e.getMessage().contains("gate"), e.getMessage());
    }

    static TensorPack.Builder copy(TensorPack p) {
        TensorPack.Builder b = TensorPack.builder();
        p.attributes().forEach(b::attribute);
        p.tensors().forEach(b::tensor);
        return b;
    }

    /** A BitFit pack holding the base biases. */
    static TensorPack.Builder bitfit() {
        TensorPack.Builder b = TensorPack.builder()
                .attribute(FinetunedWeights.MODE, "bitfit")
                .attribute(FinetunedWeights.BASE_ENCODER, ID)
                .attribute(FinetunedWeights.BASE_SHA256, base.sha256());
        for (String n : base.biasNames()) {
            b.tensor(n, base.tensor(n));
        }
        return b;
    }

    /** A LoRA pack whose every factor entry is {@code value}. */
    static TensorPack lora(int rank, double alpha, EnumSet<LoraTarget> targets, float value) {
        TensorPack.Builder b = TensorPack.builder()
                .attribute(FinetunedWeights.MODE, "lora")
                .attribute(FinetunedWeights.BASE_ENCODER, ID)
                .attribute(FinetunedWeights.BASE_SHA256, base.sha256())
                .attribute(FinetunedWeights.LORA_RANK, Integer.toString(rank))
                .attribute(FinetunedWeights.LORA_ALPHA, Double.toString(alpha))
                .attribute(FinetunedWeights.LORA_TARGETS, FinetunedWeights.targetsAttribute(targets));
        for (int l = 0; l < base.config().layers(); l++) {
            for (LoraTarget t : targets) {
                String m = BertWeights.module(l, t);
                int[] s = base.matrixShape(m);
                float[] a = new float[s[0] * rank];
                float[] bb = new float[rank * s[1]];
                java.util.Arrays.fill(a, value);
                java.util.Arrays.fill(bb, value);
                b.tensor(BertWeights.loraA(m), new int[] {s[0], rank}, a);
                b.tensor(BertWeights.loraB(m), new int[] {rank, s[1]}, bb);
            }
        }
        return b.build();
    }
}
