package io.streamtune.common.runtime;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.streamtune.common.model.ArtifactException;
import io.streamtune.common.model.BackboneRef;
import io.streamtune.common.model.ModelInput;
import io.streamtune.common.model.TensorPack;
import io.streamtune.common.model.WeightsRef;
import io.streamtune.common.nlp.BertWeights;
import io.streamtune.common.nlp.TunedEncoderTest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A version whose backbone carries fine-tuned weights is served by the pool: the base encoder with the weights laid
 * over it, keyed apart from the frozen one, closed with its last lease; a record that misstates its weights is
 * refused.
 */
class TunedBackboneTest {
    private static final String ID = TunedEncoderTest.ID;
    private static final int LENGTH = 32;
    private static final List<ModelInput> TEXTS = List.of(new ModelInput.Text("The room was clean."));

    @Test
    void shouldServeAVersionsFineTunedWeightsAndCloseThemWithTheLastLease() throws Exception {
        TensorPack shifted = TunedEncoderTest.bitfit(BertWeights.load(ID), 0.5f);
        try (Backbones pool = Backbones.opening(1, null)) {
            float[][] frozen;
            BackboneRef base;
            try (Backbones.Lease f = pool.frozenText(ID, LENGTH)) {
                base = f.ref();
                frozen = f.backbone().features(TEXTS);
            }
            BackboneRef tuned = BackboneRef.text(
                    ID, base.baseSha256(), LENGTH, WeightsRef.inline(WeightsRef.Format.BITFIT, shifted.encode()));
            try (Backbones.Lease t = pool.acquire(tuned)) {
                assertEquals(shifted.sha256(), t.backbone().key().weightsSha256());
                float[][] served = t.backbone().features(TEXTS);
                assertFalse(java.util.Arrays.equals(frozen[0], served[0]), "the weights are in the served encoder");
                assertTrue(pool.openKeys().contains(tuned.key()));
            }
            assertFalse(pool.openKeys().contains(tuned.key()), "closed with its last lease");
            try (Backbones.Lease f = pool.frozenText(ID, LENGTH)) {
                assertArrayEquals(frozen[0], f.backbone().features(TEXTS)[0], 0f);
            }
        }
    }

    @Test
    void shouldRefuseWeightsWhoseRecordNamesAnotherFormat() throws Exception {
        TensorPack bitfit = TunedEncoderTest.bitfit(BertWeights.load(ID), 0f);
        try (Backbones pool = Backbones.opening(1, null)) {
            String baseSha;
            try (Backbones.Lease f = pool.frozenText(ID, LENGTH)) {
                baseSha = f.ref().baseSha256();
            }
            BackboneRef lora =
                    BackboneRef.text(ID, baseSha, LENGTH, WeightsRef.inline(WeightsRef.Format.LORA, bitfit.encode()));
            ArtifactException e = assertThrows(
                    ArtifactException.class, () -> pool.acquire(lora).close());
            assertEquals(ArtifactException.Reason.MALFORMED, e.reason());
            assertTrue(e.getMessage().contains("lora") && e.getMessage().contains("bitfit"), e.getMessage());
        }
    }
}
